"""ruff and ast as detectors, on real files with the real ruff binary."""

from __future__ import annotations

import os

from selfheal_local.config import Config
from selfheal_local.detect.ruff import ruff_check_argv, ruff_check_text, ruff_fix_text, run_ruff
from selfheal_local.detect.syntax import check_source, merge_syntax, syntax_findings
from selfheal_local.project import Project


def test_run_ruff_reports_rules_with_fix_applicability(make_project) -> None:
    root = make_project({
        "app.py": """
            import os


            def f(x):
                if x == None:
                    return undefined_thing
                return x
            """,
    })
    project = Project(root=root, config=Config())
    found = {f.code: f for f in run_ruff(project)}
    assert set(found) >= {"F401", "F821", "E711"}
    assert found["F401"].fix_applicability == "safe"
    assert found["E711"].fix_applicability == "unsafe"
    assert found["F821"].fix_applicability == ""
    assert (found["F821"].file, found["F821"].line, found["F821"].source) == ("app.py", 6, "ruff")
    assert found["F821"].column == 16 and found["F821"].message == "Undefined name `undefined_thing`"


def test_isolated_with_explicit_selection_unless_the_project_configures_ruff(make_project) -> None:
    root = make_project({"app.py": "import os\nx = 1\n"})
    project = Project(root=root, config=Config(ruff_select=("E9", "F")))
    argv = ruff_check_argv(project)
    assert "--isolated" in argv and argv[argv.index("--select") + 1] == "E9,F"
    assert [f.code for f in run_ruff(project)] == ["F401"]
    (root / "ruff.toml").write_text('[lint]\nselect = ["E9"]\n')
    assert "--isolated" not in ruff_check_argv(project)
    assert run_ruff(project) == []  # the project's own selection wins


def test_skip_dirs_and_symlinks_out_of_the_project_are_not_reported(make_project, tmp_path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text("import os\n")
    root = make_project({"app.py": "x = 1\n", ".venv/lib/junk.py": "import os\n",
                         "build/gen.py": "import sys\n"})
    os.symlink(outside / "evil.py", root / "link.py")
    os.symlink(outside, root / "linkdir")
    project = Project(root=root, config=Config())
    assert run_ruff(project) == []


def test_ruff_check_text_and_fix_text(make_project) -> None:
    root = make_project({"pkg/mod.py": "x = 1\n"})
    project = Project(root=root, config=Config())
    text = "import os\nimport sys\n\nprint(sys.argv)\nif sys.argv == None:\n    pass\n"
    found = ruff_check_text(text, "pkg/mod.py", project)
    assert {(f.code, f.file, f.line) for f in found} == {("F401", "pkg/mod.py", 1),
                                                        ("E711", "pkg/mod.py", 5)}
    safe = ruff_fix_text(text, "pkg/mod.py", project)
    assert safe.startswith("import sys\n") and "== None" in safe
    unsafe = ruff_fix_text(text, "pkg/mod.py", project, unsafe=True)
    assert "is None" in unsafe
    only_e711 = ruff_fix_text(text, "pkg/mod.py", project, unsafe=True, select=["E711"])
    assert only_e711.startswith("import os\n") and "is None" in only_e711
    assert (root / "pkg/mod.py").read_text() == "x = 1\n"  # text in, text out: no file touched


def test_syntax_errors_from_ast_win_over_ruff(make_project) -> None:
    root = make_project({"ok.py": "x = 1\n", "bad.py": "def f(:\n    pass\n",
                         "indent.py": "def g():\nreturn 1\n"})
    project = Project(root=root, config=Config())
    from_ast = syntax_findings(project)
    ruff = run_ruff(project)
    assert {f.file for f in ruff if f.source == "syntax"} == {"bad.py", "indent.py"}
    merged = merge_syntax(from_ast, ruff)
    assert sorted((f.file, f.code, f.line) for f in merged) == [
        ("bad.py", "SyntaxError", 1), ("indent.py", "IndentationError", 2),
    ]
    assert all(f.source == "syntax" for f in merged)
    bad = next(f for f in merged if f.file == "bad.py")
    assert bad.column == 7 and "def f(:" in bad.traceback


def test_binary_non_utf8_and_huge_files(make_project) -> None:
    root = make_project({"ok.py": "x = 1\n"})
    (root / "latin.py").write_bytes(b'name = "caf\xe9"\n')
    (root / "blob.py").write_bytes(bytes(range(256)) * 4)
    (root / "huge.py").write_text("x = 1\n" * 600_000)  # ~3.6 MB, valid
    project = Project(root=root, config=Config())
    found = {f.file: f for f in syntax_findings(project)}
    assert set(found) == {"latin.py", "blob.py"}
    assert "UTF-8" in found["latin.py"].message
    assert found["blob.py"].code == "SyntaxError"
    ruff = run_ruff(project)  # ruff copes with all of them too
    assert {f.code for f in ruff if f.file in ("latin.py", "blob.py")} <= {"E902", "SyntaxError"}


def test_check_source_accepts_good_code_and_declared_encodings() -> None:
    assert check_source("x = 1\n", "a.py") is None
    assert check_source(b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n", "a.py") is None
    finding = check_source("x = (1,\n", "a.py")
    assert finding is not None and finding.line == 1 and "never closed" in finding.message


def test_run_ruff_on_a_read_only_project(make_project) -> None:
    root = make_project({"app.py": "import os\n"})
    (root / "app.py").chmod(0o444)
    root.chmod(0o555)
    try:
        project = Project(root=root, config=Config())
        assert [f.code for f in run_ruff(project)] == ["F401"]
    finally:
        root.chmod(0o755)
    assert not (root / ".ruff_cache").exists()




def test_a_submodule_a_package_init_imports_is_a_defined_name(make_project) -> None:
    """``from .errors import merge`` binds ``errors`` in the package's own namespace (the
    import system sets it): ruff's F821 there is not breakage. Used before the import, or a
    name that is no submodule, it still is."""
    root = make_project({
        "pkg/__init__.py": """
            print(early)
            from .errors import merge
            from pkg.codecs.text import decode

            __all__ = ["merge", "decode"]
            del errors, codecs, missing
            """,
        "pkg/errors.py": "def merge():\n    return 1\n",
        "pkg/early.py": "",
        "pkg/codecs/__init__.py": "",
        "pkg/codecs/text.py": "def decode():\n    return ''\n",
    })
    project = Project(root=root, config=Config())
    undefined = sorted(f.message for f in run_ruff(project) if f.code == "F821")
    assert undefined == ["Undefined name `early`", "Undefined name `missing`"]
