"""Journaled apply and undo: byte-identical restores, conflicts refused, crashes lose nothing."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from selfheal_local.errors import ApplyError, ConflictError, JournalError, UnsafeEditError
from selfheal_local.journal import Journal
from selfheal_local.types import FileEdit


def digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".selfheal" not in p.parts
    }


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\r\ny = 'héllo'\n")  # CRLF and non-ASCII kept
    (root / "pkg" / "b.py").write_text("def f():\n    return 1\n")
    os.chmod(root / "pkg" / "b.py", 0o750)
    return root


def edits(root):
    a, b = ((root / "pkg" / n).read_bytes().decode() for n in ("a.py", "b.py"))
    return [FileEdit("pkg/a.py", a, a.replace("1", "2")), FileEdit("pkg/b.py", b, b + "\n\nz = 3\n")]


def test_apply_then_undo_is_byte_identical(project):
    before = digest(project)
    journal = Journal(project)
    journal.apply(edits(project), {"explanation": "demo"})
    assert digest(project) != before
    assert "z = 3" in (project / "pkg" / "b.py").read_text()
    assert os.stat(project / "pkg" / "b.py").st_mode & 0o777 == 0o750  # mode kept
    [entry] = journal.undo()
    assert entry.summary["explanation"] == "demo"
    assert digest(project) == before
    assert os.stat(project / "pkg" / "b.py").st_mode & 0o777 == 0o750


def test_undo_all_restores_every_heal_newest_first(project):
    before = digest(project)
    journal = Journal(project)
    journal.apply(edits(project))
    journal.apply(edits(project))  # a second heal on top of the first
    assert len(journal.undo(all_entries=True)) == 2
    assert digest(project) == before
    with pytest.raises(JournalError, match="nothing to undo"):
        journal.undo()


def test_apply_refuses_a_file_changed_since_it_was_read(project):
    planned = edits(project)
    (project / "pkg" / "a.py").write_text("x = 99  # the person's edit\n")
    after_edit = digest(project)
    with pytest.raises(ConflictError, match="changed on disk"):
        Journal(project).apply(planned)
    assert digest(project) == after_edit  # nothing written, not even the other file


def test_undo_refuses_to_overwrite_a_later_edit(project):
    journal = Journal(project)
    journal.apply(edits(project))
    (project / "pkg" / "b.py").write_text("# edited after the heal\n")
    with pytest.raises(ConflictError, match="undo refused"):
        journal.undo()
    assert (project / "pkg" / "b.py").read_text() == "# edited after the heal\n"


def test_read_only_file_is_refused(project):
    os.chmod(project / "pkg" / "a.py", 0o444)
    before = digest(project)
    with pytest.raises(ApplyError, match="read-only"):
        Journal(project).apply(edits(project))
    assert digest(project) == before


def test_paths_outside_the_project_are_refused(project, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("secret = 1\n")
    (project / "link.py").symlink_to(outside)
    for rel in ("../outside.py", "/etc/passwd", "link.py"):
        with pytest.raises(UnsafeEditError):
            Journal(project).apply([FileEdit(rel, "secret = 1\n", "pwned = 1\n")])
    assert outside.read_text() == "secret = 1\n"


APPLY_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from selfheal_local.journal import Journal
    from selfheal_local.types import FileEdit
    root = Path(sys.argv[1])
    edits = [FileEdit(p.relative_to(root).as_posix(), p.read_text(), "changed\\n" * 40000)
             for p in sorted(root.glob("m*.py"))]
    Journal(root).apply(edits)
    """
)


@pytest.mark.parametrize("delay", [0.0, 0.02, 0.08])
def test_killing_the_process_mid_apply_loses_nothing(tmp_path, delay):
    root = tmp_path / "big"
    root.mkdir()
    for i in range(120):
        (root / f"m{i:03}.py").write_text(f"value = {i}\n" * 2000)
    before = digest(root)
    proc = subprocess.Popen([sys.executable, "-c", APPLY_SCRIPT, str(root)])
    deadline = time.monotonic() + 60
    entry_files = []
    while time.monotonic() < deadline and not entry_files:
        entry_files = [p for p in (root / ".selfheal" / "journal").glob("*/entry.json")] if (
            root / ".selfheal" / "journal").exists() else []
        time.sleep(0.002)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state = json.loads(entry_files[0].read_text())["state"]
    Journal(root).recover()  # what the next start does
    now = digest(root)
    if state == "committed":  # the kill came after the apply finished: all changed, undo restores
        assert all(now[k] != before[k] for k in before)
        Journal(root).undo()
        now = digest(root)
    assert now == before


def test_a_committed_entry_goes_to_revert_and_falls_back_to_the_backups(project):
    before = digest(project)
    journal = Journal(project)
    entry_id = journal.apply(edits(project), {"explanation": "bump"})
    journal.annotate(entry_id, commit="c0ffee")
    asked = []

    def revert(entry):  # a revert that could not be made (e.g. the files are dirty in git)
        asked.append(entry.summary["commit"])
        return "could not revert; restored from the journal"

    [done] = journal.undo(revert=revert)
    assert asked == ["c0ffee"] and done.note.startswith("could not revert")
    assert digest(project) == before  # the backups restored every byte
    assert {e.path for e in done.edits} == {"pkg/a.py", "pkg/b.py"}
    assert all(e.before != e.after for e in done.edits)  # what was undone, for the memory


def test_a_revert_that_restores_the_files_is_not_overwritten(project):
    before = {p: (project / p).read_bytes() for p in ("pkg/a.py", "pkg/b.py")}
    journal = Journal(project)
    entry_id = journal.apply(edits(project), {})
    journal.annotate(entry_id, commit="c0ffee")

    def revert(entry):  # a revert commit puts the files back itself
        for rel, data in before.items():
            (project / rel).write_bytes(data)
        return None

    [done] = journal.undo(revert=revert)
    assert done.note == "" and done.state == "undone"
    assert all((project / p).read_bytes() == d for p, d in before.items())
