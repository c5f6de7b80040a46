"""A src-layout project installed in its own venv in editable mode: the tests must import the
workspace's copy of ``src/``, neither fail to import it (bubblewrap hides the original) nor
import the unpatched original (where the host is visible). Real CLI, real sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

from selfheal_local.detect.importpath import source_roots

from .test_heal_cli import selfheal

BUGGY = "def add(a, b):\n    return a - b\n"
TESTS = ("from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
         "def test_zero():\n    assert add(0, 0) == 0\n")


def _site(venv: Path) -> Path:
    return next(venv.glob("lib/python3*/site-packages"))


def src_project(root: Path) -> Path:
    (root / "src" / "calc").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "src" / "calc" / "__init__.py").write_text(BUGGY)
    (root / "tests" / "test_calc.py").write_text(TESTS)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")],
                   check=True, timeout=120)
    site = _site(root / ".venv")
    # what `pip install -e .` leaves: a .pth naming the original src; pytest from our env
    (site / "__editable__.calc-0.1.pth").write_text(f"{root / 'src'}\n")
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root


def test_a_src_layout_project_in_its_own_venv_is_healed(tmp_path: Path) -> None:
    root = src_project(tmp_path / "calc")
    python = root / ".venv" / "bin" / "python"
    check = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=root, capture_output=True, text=True, timeout=300)
    assert "assert -1 == 5" in check.stdout  # the project's own interpreter sees the bug
    proc = selfheal("heal", str(root), "--yes", "--json", "--no-model", "--no-memory",
                    home=tmp_path / "home")
    report = json.loads(proc.stdout)
    codes = [finding["code"] for finding in report["findings"]]
    assert codes == ["AssertionError"], proc.stdout  # not ModuleNotFoundError: src was imported
    assert report["healthy"] and report["tests_run"] == 2, proc.stdout[-3000:]
    assert (root / "src" / "calc" / "__init__.py").read_text() == BUGGY.replace("-", "+")
    after = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=root, capture_output=True, text=True, timeout=300)
    assert after.returncode == 0, after.stdout


def test_source_roots_read_editable_installs_inside_the_project_only(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "lib" / "pkg").mkdir(parents=True)
    (root / "lib" / "pkg" / "__init__.py").write_text("")
    (root / "tool.py").write_text("")
    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (site / "__editable___pkg_0_1_finder.py").write_text(
        f"MAPPING = {{'pkg': {str(root / 'lib' / 'pkg')!r}}}\n")
    (site / "other.pth").write_text(f"{tmp_path / 'elsewhere'}\nimport os\n# comment\n")
    assert source_roots(root, str(venv / "bin" / "python")) == ("lib",)
    assert source_roots(root, sys.executable) == ()  # a flat layout needs nothing


def test_a_project_venv_without_pytest_is_named_with_what_to_do(tmp_path: Path) -> None:
    """The project's own .venv runs its tests now; one without pytest says so, in words."""
    root = tmp_path / "calc"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(BUGGY)
    (root / "tests" / "test_calc.py").write_text(TESTS)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")],
                   check=True, timeout=120)
    proc = selfheal("scan", str(root), "--json", home=tmp_path / "home")
    messages = [f["message"] for f in json.loads(proc.stdout)["findings"]]
    assert any(str(root / ".venv") in m and "install pytest" in m for m in messages), messages
