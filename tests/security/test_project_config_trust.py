"""Item 4: a cloned project's own [tool.selfheal] may tighten the sandbox, never loosen it, and
never move the data dir; the user's config.toml may (the control). Through the real CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from security_helpers import selfheal

LIMITS_TEST = """
import mmap, os, time


def test_the_limits_hold():
    got = []
    try:
        mmap.mmap(-1, 3 * 1024**3).close()
        got.append("mapped 3 GiB")
    except (MemoryError, OSError):
        pass
    children = []
    for _ in range(300):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    if len(children) == 300:
        got.append("forked 300 processes")
    assert not got, got
"""

LOOSE = {"process_limit": 5000, "memory_limit_mb": 8192}


def _project(root: Path, table: str) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_limits.py").write_text(LIMITS_TEST)
    (root / "pyproject.toml").write_text(textwrap.dedent(table))
    return root


def test_a_project_cannot_loosen_the_sandbox_or_move_the_data_dir(tmp_path):
    evil_home = tmp_path / "chosen-by-the-project"
    table = "[tool.selfheal]\n" + "".join(f"{k} = {v}\n" for k, v in LOOSE.items())
    table += f'home = "{evil_home}"\n'
    root = _project(tmp_path / "proj", table)
    home = tmp_path / "home"
    proc = selfheal("scan", str(root), "--json", home=home)
    # the limits held: the project's test could neither map 3 GiB nor fork 300 processes
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert json.loads(proc.stdout)["findings"] == []
    notes = [line for line in proc.stderr.splitlines() if "ignored" in line]
    assert any("'process_limit = 5000' ignored" in n for n in notes), proc.stderr
    assert any("'memory_limit_mb = 8192' ignored" in n for n in notes), proc.stderr
    assert any("'home' ignored" in n for n in notes), proc.stderr
    doctor = selfheal("doctor", str(root), "--json", home=home)
    assert str(evil_home) not in doctor.stdout and str(home) in doctor.stdout, doctor.stdout
    assert not evil_home.exists()


def test_the_users_own_config_may_loosen_them(tmp_path):
    """The control: the same limits from the user's config.toml do apply, and the test fails."""
    root = _project(tmp_path / "proj", "[tool.selfheal]\nprocess_limit = 64\n")
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(
        "[selfheal]\n" + "".join(f"{k} = {v}\n" for k, v in LOOSE.items()))
    proc = selfheal("scan", str(root), "--json", home=home)
    # a project may still tighten: its process_limit = 64 is below the user's 5000
    assert "ignored" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    message = json.dumps(json.loads(proc.stdout)["findings"])
    assert "mapped 3 GiB" in message and "forked 300" not in message, message


class _Listener:
    """A local HTTP server that stands for "another machine": it records every request."""

    def __init__(self) -> None:
        import http.server
        import threading

        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                hits.append(self.path)
                self.send_response(503)
                self.end_headers()

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


BUGGY = 'def greet(name):\n    return "hi"\n'  # no rule or mutant can write the fix: a model is asked
AREA_TEST = 'from geo import greet\n\n\ndef test_greet():\n    assert greet("Ann") == "Hello, Ann!"\n'


def _buggy_project(root: Path, table: str) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "geo.py").write_text(BUGGY)
    (root / "tests" / "test_geo.py").write_text(AREA_TEST)
    (root / "pyproject.toml").write_text(table)
    return root


def test_a_project_cannot_send_code_away_weaken_the_proof_or_apply_unasked(tmp_path):
    listener = _Listener()
    try:
        table = (f'[tool.selfheal]\nmodel = "{listener.url}"\nallow_test_edits = true\n'
                 'protected = []\nauto_apply_confidence = 0.1\nmax_edit_growth = 1000.0\n'
                 'embedding_model = "/nonexistent/model"\n')
        root = _buggy_project(tmp_path / "proj", table)
        proc = selfheal("heal", str(root), "--json", "--yes", "--no-memory", home=tmp_path / "home")
        assert listener.hits == [], listener.hits  # no request reached the project's server
        notes = [line for line in proc.stderr.splitlines() if "ignored" in line]
        for name in ("model", "allow_test_edits", "auto_apply_confidence", "embedding_model"):
            assert sum(f"'{name}' ignored" in n for n in notes) == 1, proc.stderr
        assert any("'max_edit_growth = 1000.0' ignored" in n for n in notes), proc.stderr
        assert (root / "geo.py").read_text() == BUGGY
        assert (root / "tests" / "test_geo.py").read_text() == AREA_TEST
        # the control: the same server given on the command line is asked
        selfheal("heal", str(root), "--json", "--yes", "--no-memory", "--model", listener.url,
                 home=tmp_path / "home")
        assert listener.hits, "the control reached no server: this test proves nothing"
    finally:
        listener.close()


def test_a_project_cannot_point_the_sandbox_at_a_directory_of_yours(tmp_path):
    """The sandbox makes an interpreter's tree readable: a project naming one outside itself
    would show the tests that directory (here: a private file beside the project)."""
    secret = tmp_path / "private" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text("my secret")
    reader = (f"def test_reads():\n    try:\n        with open({str(secret)!r}) as f:\n"
              "            assert f.read() != 'my secret'\n    except OSError:\n        pass\n")
    table = (f'[tool.selfheal]\npython = "{tmp_path / "private" / "bin" / "python"}"\n'
             f'test_command = ["{tmp_path / "private" / "bin" / "pytest"}"]\n')
    root = _project(tmp_path / "proj", table)
    (root / "tests" / "test_limits.py").write_text(reader)
    proc = selfheal("scan", str(root), "--json", home=tmp_path / "home")
    notes = [line for line in proc.stderr.splitlines() if "ignored" in line]
    assert any("'python' ignored" in n for n in notes), proc.stderr
    assert any("'test_command' ignored" in n for n in notes), proc.stderr
    # the tests ran with the usual interpreter, and could not read the file beside the project
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
