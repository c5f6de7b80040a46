"""An interpreter that lives under /tmp (a fresh clone's .venv there) still runs under bwrap's
private /tmp, read-only."""

import shutil
import subprocess
import sys

import pytest

from sandbox import Sandbox


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_venv_under_tmp_runs_read_only_inside_bwrap(tmp_path):
    assert str(tmp_path).startswith("/tmp/") or pytest.skip("tmp_path is not under /tmp here")
    venv = tmp_path / "clone" / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    project = tmp_path / "proj"
    project.mkdir()
    (project / "main.py").write_text("print('ran')\n")
    sandbox = Sandbox(isolation="bwrap")
    with sandbox.workspace(project) as ws:
        ran = sandbox.run([str(venv / "bin" / "python"), "main.py"], cwd=ws, timeout_s=60)
        wrote = sandbox.run([str(venv / "bin" / "python"), "-c",
                             f"open({str(venv / 'pwned')!r}, 'w').write('x')"], cwd=ws, timeout_s=60)
    assert ran.returncode == 0 and ran.stdout.strip() == "ran", ran.stderr
    assert wrote.returncode != 0 and not (venv / "pwned").exists()
