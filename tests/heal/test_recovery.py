"""Crash recovery (issue 13, items 7 and 8): recovery never races a live apply, every command
that opens a project recovers, leftovers of dead runs are removed, and the interrupt message
tells the truth.

The "first" process is a real ``Journal.apply`` of several files in a subprocess that stops
itself (SIGSTOP, from an audit hook on ``os.replace``) after half of the files were replaced:
a live apply, held mid-way. The second is the real CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from .projects import digest
from .test_heal_cli import REPO, selfheal

FILES = 6

APPLY = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from selfheal_local.cli import _interrupt
    from selfheal_local.journal import Journal
    from selfheal_local.types import FileEdit

    signal.signal(signal.SIGTERM, _interrupt)  # as the CLI does
    root = Path(sys.argv[1])
    replaced = []

    def stop_half_way(event, args):
        # os.replace raises the os.rename audit event; stop once half the files are new
        if event == "os.rename" and "/pkg/m" in str(args[1]) and "/.selfheal/" not in str(args[1]):
            replaced.append(args[1])
            if len(replaced) == int(sys.argv[2]) + 1:
                os.kill(os.getpid(), signal.SIGSTOP)

    sys.addaudithook(stop_half_way)
    edits = []
    for path in sorted((root / "pkg").glob("m*.py")):
        text = path.read_text()
        edits.append(FileEdit(path.relative_to(root).as_posix(), text, text.replace("= 1", "= 2")))
    try:
        print(Journal(root).apply(edits, {"explanation": "bulk"}), flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
""")


def _project(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    for i in range(FILES):
        (root / "pkg" / f"m{i:03d}.py").write_text(f"VALUE_{i} = 1\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_values.py").write_text(textwrap.dedent(f"""
        import importlib

        def test_values():
            for i in range({FILES}):
                module = importlib.import_module(f"pkg.m{{i:03d}}")
                assert getattr(module, f"VALUE_{{i}}") == 2
    """))
    return root


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    return env | {"SELFHEAL_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1",
                  "PYTHONPATH": str(REPO)}


def _entries(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in (root / ".selfheal/journal").glob("*/entry.json")]


def _temp_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.selfheal-*.tmp"))


def _stopped(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"


def _stop_mid_apply(root: Path, env: dict[str, str]) -> subprocess.Popen:
    """Start the apply; it stops itself after half of the files were replaced."""
    first = subprocess.Popen([sys.executable, "-c", APPLY, str(root), str(FILES // 2)], env=env,
                             cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not _stopped(first.pid):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the apply never stopped half way"
        time.sleep(0.01)
    new = [i for i in range(FILES) if (root / f"pkg/m{i:03d}.py").read_text().endswith("2\n")]
    assert len(new) == FILES // 2, new  # half-applied, as a crash would leave it
    return first


def test_a_second_selfheal_never_rolls_back_a_live_apply(tmp_path):
    root = _project(tmp_path / "proj")
    env = _env(tmp_path)
    first = _stop_mid_apply(root, env)
    try:
        assert [e["state"] for e in _entries(root)] == ["pending"]  # stopped mid-apply
        second = subprocess.Popen(
            [sys.executable, "-m", "selfheal_local", "heal", str(root), "--yes", "--json",
             "--no-model", "--no-memory"],
            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL)
        time.sleep(3)
        # the second waits for the journal lock instead of rolling the first one back
        assert second.poll() is None, second.communicate()
        assert [e["state"] for e in _entries(root)] == ["pending"]
    finally:
        os.kill(first.pid, signal.SIGCONT)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    out2, err2 = second.communicate(timeout=300)
    assert "Traceback" not in err2, err2
    result = json.loads(out2)
    # the first apply stands: every file is as it wrote it, and the second sees a healthy project
    assert [e["state"] for e in _entries(root)] == ["committed"]
    assert all((root / f"pkg/m{i:03d}.py").read_text() == f"VALUE_{i} = 2\n" for i in range(FILES))
    assert result["healthy"] is True and second.returncode == 0, result


def test_sigterm_mid_apply_leaves_all_or_nothing_and_says_so(tmp_path):
    root = _project(tmp_path / "proj")
    before = digest(root)
    first = _stop_mid_apply(root, _env(tmp_path))
    os.kill(first.pid, signal.SIGTERM)
    os.kill(first.pid, signal.SIGCONT)
    out, err = first.communicate(timeout=120)
    assert "Traceback" not in err, err
    # the interrupt arrived mid-apply: rolled back by the process itself, before it exited
    assert out.strip() == "interrupted" and first.returncode == 130
    assert [e["state"] for e in _entries(root)] == ["rolled_back"]
    assert digest(root) == before and _temp_files(root) == []


@pytest.mark.parametrize("command", [("scan", "--no-tests", "--json"), ("undo", "--json")])
def test_every_command_recovers_a_kill_mid_apply(tmp_path, command):
    root = _project(tmp_path / "proj")
    before = digest(root)
    first = _stop_mid_apply(root, _env(tmp_path))
    first.kill()  # SIGKILL while stopped mid-apply: a pending entry, some files new
    first.wait()
    assert [e["state"] for e in _entries(root)] == ["pending"] and digest(root) != before
    proc = selfheal(command[0], str(root), *command[1:], home=tmp_path / "home")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert [e["state"] for e in _entries(root)] == ["rolled_back"]
    assert digest(root) == before and _temp_files(root) == []


def test_leftovers_of_dead_runs_are_removed_on_the_next_start(tmp_path):
    root = _project(tmp_path / "proj")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [tmp / f"selfheal-ws-{dead.pid}-abc123", tmp / f"selfheal-run-{dead.pid}-def456"]
    live = tmp / f"selfheal-ws-{os.getpid()}-ghi789"  # this test process: alive
    other = tmp / "someone-elses-dir"
    for path in (*stale, live, other):
        (path / "home").mkdir(parents=True)
        (path / "home" / "file.py").write_text("x = 1\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    env |= {"SELFHEAL_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1", "TMPDIR": str(tmp)}
    proc = subprocess.run([sys.executable, "-m", "selfheal_local", "scan", str(root), "--no-tests",
                           "--json"], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert not any(p.exists() for p in stale)
    assert live.exists() and other.exists()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_tui_recovers_a_kill_mid_apply_before_its_first_look(tmp_path):
    """The TUI rolls back an apply cut short (its first look does, in a forked child while
    Textual loads, and the healer again when it opens): what it shows and tests is the project
    as it was before."""
    root = _project(tmp_path / "proj")
    before = digest(root)
    first = _stop_mid_apply(root, _env(tmp_path))
    first.kill()
    first.wait()
    session = f"selfheal-recover-{uuid.uuid4().hex[:8]}"
    command = (f"cd {tmp_path} && env -u COLUMNS -u LINES SELFHEAL_HOME={tmp_path / 'home'} "
               f"PYTHONPATH={REPO} {sys.executable} -m selfheal_local tui proj --no-model "
               "--no-memory --no-watch; echo SELFHEAL-EXITED; sleep 30")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command],
                   check=True, timeout=30)
    try:
        deadline = time.monotonic() + 120
        screen = ""
        while "job idle" not in screen or "suite not run" in screen:
            assert time.monotonic() < deadline, f"the TUI never settled:\n{screen}"
            time.sleep(0.1)
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True, timeout=30).stdout
        assert [e["state"] for e in _entries(root)] == ["rolled_back"]
        assert digest(root) == before and _temp_files(root) == []
        assert "test_values" in screen  # the suite ran on the rolled-back files: it fails
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], timeout=30)
