"""The reference's PatchGenerator examples run with only the import line changed."""

import subprocess
import sys
import textwrap

import pytest

HEADER = "from selfheal_local import PatchGenerator, Patch, PatchStatus\nimport asyncio\n"


def run_example(body: str, tmp_path) -> str:
    script = tmp_path / "example.py"
    script.write_text(HEADER + textwrap.dedent(body))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=240, cwd=tmp_path, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin",
                                                          "SELFHEAL_HOME": str(tmp_path / "home")})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_type_error_example_returns_the_exact_fix(tmp_path):
    out = run_example('''
        patch_generator = PatchGenerator()
        patch_result = asyncio.run(patch_generator.generate_patch(
            error_message="TypeError: can only concatenate str (not 'int') to str",
            code_context="""
        def format_message(name, age):
            return "Name: " + name + ", Age: " + age
        """
        ))
        print(patch_result["patch"]["patched_code"])
    ''', tmp_path)
    assert 'return "Name: " + name + ", Age: " + str(age)' in out
    assert out.count("str(") == 1


def test_analyze_error_and_static_analyze_examples(tmp_path):
    out = run_example('''
        patch_generator = PatchGenerator()
        error_info = patch_generator.analyze_error(
            code_context="""
        def process_data():
            result = data.process()
            return result
        """,
            error_message="NameError: name 'data' is not defined",
        )
        print(f"Error type: {error_info['type']}")
        print(f"Patterns: {error_info['patterns']}")
        print(f"Variable: {error_info.get('variable')}")
        analysis_result = patch_generator.static_analyze(
            code="""
        def process_data():
            result = data.process()
            return result
        """
        )
        print(f"Issues found: {len(analysis_result['issues'])}")
        for issue in analysis_result["issues"]:
            print(f"Line {issue['line']}: {issue['message']} ({issue['symbol']})")
    ''', tmp_path)
    assert "Error type: NameError" in out
    assert "Patterns: ['undefined_variable']" in out
    assert "Variable: data" in out
    assert "Issues found: 1" in out
    assert "Line 3: Undefined name `data` (undefined-name)" in out


def test_basic_example_runs_end_to_end(tmp_path):
    # 'data' is defined nowhere: no rule can know what it should be, and the generator says so
    out = run_example('''
        patch_generator = PatchGenerator(max_retries=3)
        patch_result = asyncio.run(patch_generator.generate_patch(
            error_message="NameError: name 'data' is not defined",
            code_context="""
        def process_data():
            result = data.process()
            return result
        """
        ))
        if patch_result["success"]:
            patch = Patch.from_dict(patch_result["patch"])
            is_valid, error = patch_generator.validate_patch(patch.patched_code)
            if is_valid and patch_generator.apply_patch(patch):
                patch.status = PatchStatus.APPLIED
                patch_generator.after_success(patch)
                print("Patch applied successfully!")
        else:
            print(f"Failed to generate patch: {patch_result['error']}")
    ''', tmp_path)
    assert "Failed to generate patch: no validated fix for NameError" in out


def test_basic_example_with_a_fixable_typo_applies(tmp_path):
    out = run_example('''
        patch_generator = PatchGenerator(max_retries=3)
        patch_result = asyncio.run(patch_generator.generate_patch(
            error_message="NameError: name 'dta' is not defined",
            code_context="""
        def process_data(data):
            result = dta.process()
            return result
        """
        ))
        assert patch_result["success"], patch_result
        patch = Patch.from_dict(patch_result["patch"])
        print(patch.patched_code)
        is_valid, error = patch_generator.validate_patch(patch.patched_code)
        assert is_valid, error
        assert patch_generator.apply_patch(patch)
        patch.status = PatchStatus.APPLIED
        patch_generator.after_success(patch)
        print("status", patch.status.value, len(patch_generator.successes))
    ''', tmp_path)
    assert "result = data.process()" in out
    assert "status applied 1" in out


@pytest.mark.parametrize("code,why", [
    ("def f(:\n    pass\n", "SyntaxError"),
    ("def f():\n    return undefined_thing\n", "Undefined name"),
    ("import json\nraise SystemExit(3)\n", "running the module failed"),
])
def test_validate_patch_rejects(code, why):
    from selfheal_local import PatchGenerator

    ok, error = PatchGenerator().validate_patch(code)
    assert not ok and why in error
