"""Workspaces: real copies, the right things skipped, overrides confined, always removed."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from sandbox_helpers import tree_hashes

from sandbox import WorkspaceError

PY = sys.executable


def test_workspace_is_a_real_copy_without_tool_dirs(make_sandbox, project):
    with make_sandbox().workspace(project) as ws:
        copied = tree_hashes(ws)
        assert (ws / "data.txt").stat().st_nlink == 1
        assert (ws / "data.txt").stat().st_ino != (project / "data.txt").stat().st_ino
        assert os.access(ws / "run.sh", os.X_OK)
    expected = {rel: h for rel, h in tree_hashes(project).items() if "junk" not in rel}
    assert copied == expected
    assert not any("junk" in rel for rel in copied)


def test_overrides_land_in_the_workspace_only(make_sandbox, project):
    before = tree_hashes(project)
    overrides = {"pkg/mod.py": "def add(a, b):\n    return a - b\n", "pkg/new/deep.py": "X = 1\n"}
    with make_sandbox().workspace(project, overrides) as ws:
        assert (ws / "pkg" / "mod.py").read_text() == overrides["pkg/mod.py"]
        assert (ws / "pkg" / "new" / "deep.py").read_text() == "X = 1\n"
    assert tree_hashes(project) == before
    assert not (project / "pkg" / "new").exists()


@pytest.mark.parametrize(
    "bad", ["/etc/passwd", "../escape.py", "pkg/../../escape.py", "", ".", "a\\..\\b.py"]
)
def test_unsafe_override_paths_are_refused(make_sandbox, project, tmp_root, bad):
    with pytest.raises(WorkspaceError, match="relative path inside the project"):
        with make_sandbox().workspace(project, {bad: "x = 1\n"}):
            pass
    assert not tmp_root.exists() or list(tmp_root.iterdir()) == []
    assert not (project.parent / "escape.py").exists()


def test_symlink_outside_the_project_cannot_be_written_through(make_sandbox, project, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    (project / "link_out.txt").symlink_to(outside)
    (project / "alias.py").symlink_to("pkg/mod.py")
    write = "import sys\nopen(sys.argv[1], 'w').write('overwritten')\n"
    # no bubblewrap here: the copy itself must be what protects the target
    sandbox = make_sandbox("none")
    with sandbox.workspace(project) as ws:
        assert not (ws / "link_out.txt").is_symlink()
        assert os.readlink(ws / "alias.py") == "pkg/mod.py"
        assert (ws / "alias.py").resolve() == (ws / "pkg" / "mod.py").resolve()
        result = sandbox.run([PY, "-c", write, "link_out.txt"], cwd=ws)
    assert result.ok, result
    assert outside.read_text() == "precious\n"


def test_workspaces_and_run_dirs_are_removed_even_after_errors(make_sandbox, project, tmp_root):
    sandbox = make_sandbox()
    with pytest.raises(RuntimeError, match="boom"):
        with sandbox.workspace(project) as ws:
            # a command leaves a read-only directory behind
            sandbox.run(["sh", "-c", "mkdir -p locked/in && chmod 000 locked/in locked"], cwd=ws)
            raise RuntimeError("boom")
    assert not ws.exists()
    assert list(tmp_root.iterdir()) == []


def test_missing_project_is_a_workspace_error(make_sandbox, tmp_path):
    with pytest.raises(WorkspaceError, match="not a directory"):
        with make_sandbox().workspace(tmp_path / "nope"):
            pass


def test_parallel_workspaces_from_threads_stay_separate(make_sandbox, project):
    sandbox = make_sandbox()
    seen: dict[int, str] = {}
    errors: list[BaseException] = []

    def candidate(n: int) -> None:
        try:
            with sandbox.workspace(project, {"pkg/mod.py": f"N = {n}\n"}) as ws:
                result = sandbox.run([PY, "-c", "import pkg.mod; print(pkg.mod.N)"], cwd=ws)
                seen[n] = result.stdout.strip()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=candidate, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert seen == {n: str(n) for n in range(4)}
