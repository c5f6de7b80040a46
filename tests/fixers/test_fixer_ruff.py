"""ruff's own fixes as candidates, with the real ruff binary."""

from __future__ import annotations

from fixer_helpers import diagnosis, first_passing, make_project, patched

from selfheal_local.fixers.rules.ruff_fix import RuffFixSource


def test_safe_fix_for_unused_import(tmp_path):
    project = make_project(tmp_path / "p", {
        "util.py": '''
            import os
            import sys  # used below


            def argv0():
                return sys.argv[0]
            ''',
    })
    diag = diagnosis("lint", "", "`os` imported but unused", "util.py", 1, source="ruff",
                     code="F401")
    found = list(RuffFixSource().propose(diag, project))
    assert len(found) == 1
    assert found[0].source == "ruff" and found[0].confidence > 0.9
    assert patched(found[0], "util.py").startswith("import sys  # used below\n")


def test_unsafe_fix_offered_lower_and_tests_choose(tmp_path):
    project = make_project(tmp_path / "p", {
        "opt.py": '''
            def is_missing(x):
                return x == None
            ''',
        "tests/test_opt.py": '''
            from opt import is_missing

            def test_missing():
                assert is_missing(None) and not is_missing(0)
            ''',
    })
    diag = diagnosis("lint", "", "Comparison to `None` should be `cond is None`", "opt.py", 2,
                     source="ruff", code="E711")
    found = list(RuffFixSource().propose(diag, project))
    assert [p.metadata["ruff_applicability"] for p in found] == ["unsafe"]
    assert found[0].confidence < 0.9
    assert "return x is None" in patched(found[0], "opt.py")
    assert first_passing(project, found, tmp_path / "try") == 0


def test_no_candidates_for_non_ruff_or_protected(tmp_path):
    project = make_project(tmp_path / "p", {
        "tests/test_a.py": "import os\n\ndef test_a():\n    assert True\n",
        "a.py": "import os\n",
    })
    protected = diagnosis("lint", "", "unused", "tests/test_a.py", 1, source="ruff", code="F401")
    assert list(RuffFixSource().propose(protected, project)) == []
    not_ruff = diagnosis("lint", "", "unused", "a.py", 1, source="test", code="F401")
    assert list(RuffFixSource().propose(not_ruff, project)) == []


def test_project_ruff_config_is_honoured(tmp_path):
    project = make_project(tmp_path / "p", {
        "pyproject.toml": '''
            [tool.ruff]
            line-length = 100
            [tool.ruff.lint]
            select = ["F"]
            ignore = ["F401"]
            ''',
        "m.py": "import os\nimport json\n\nprint(json)\n",
    })
    diag = diagnosis("lint", "", "`os` imported but unused", "m.py", 1, source="ruff", code="F401")
    found = list(RuffFixSource().propose(diag, project))
    assert patched(found[0], "m.py") == "import json\n\nprint(json)\n"


class RecordingRuff:
    """A runner that records every ruff invocation and hands it to the real one."""

    def __init__(self):
        from selfheal_local.detect.ruff_runner import SubprocessRuff

        self.real = SubprocessRuff()
        self.calls: list[list[str]] = []

    def run(self, args, *, cwd, stdin=None):
        self.calls.append(list(args))
        return self.real.run(args, cwd=cwd, stdin=stdin)


FIVE_UNUSED = "import os\nimport re\nimport sys\nimport json\nimport math\n\n\nX = 1\n"


def test_one_finding_fixes_only_its_own_import(tmp_path):
    project = make_project(tmp_path / "p", {"five.py": FIVE_UNUSED})
    diag = diagnosis("lint", "", "`sys` imported but unused", "five.py", 3, source="ruff",
                     code="F401")
    runner = RecordingRuff()
    found = list(RuffFixSource(runner).propose(diag, project))
    own = [p for p in found if p.metadata["ruff_fix"] == "finding"]
    assert len(own) == 1
    assert patched(own[0], "five.py") == FIVE_UNUSED.replace("import sys\n", "")
    # the whole rule in the file is a separate, explicit candidate
    group = [p for p in found if p.metadata["ruff_fix"] == "rule_in_file"]
    assert [patched(p, "five.py") for p in group] == ["\n\nX = 1\n"]
    assert runner.calls and all(call[0] in ("check", "format") for call in runner.calls)


class CannedRuff:
    """A runner that answers every call with one scripted output."""

    def __init__(self, returncode, stdout="", stderr=""):
        from selfheal_local.detect.ruff_runner import RuffOutput

        self.output = RuffOutput(returncode, stdout, stderr)

    def run(self, args, *, cwd, stdin=None):
        return self.output


def test_injected_runner_failure_is_a_clear_error(tmp_path):
    import pytest

    from selfheal_local.detect.errors import DetectionError
    from selfheal_local.detect.ruff import run_ruff
    from selfheal_local.errors import BadInputError

    project = make_project(tmp_path / "p", {"a.py": "X = 1\n"})
    with pytest.raises(BadInputError, match="ruff configuration"):
        run_ruff(project, runner=CannedRuff(2, stderr="Cause: bad toml in pyproject.toml"))
    with pytest.raises(DetectionError, match="exit 2"):
        run_ruff(project, runner=CannedRuff(2, stderr="boom"))
    with pytest.raises(DetectionError, match="not JSON"):
        run_ruff(project, runner=CannedRuff(0, stdout="garbage"))
