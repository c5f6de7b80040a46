"""DESIGN.md's package boundaries, the light start, and the public API hold."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "peft", "trl", "bitsandbytes", "lancedb",
         "sentence_transformers", "datasets", "accelerate", "vllm")


def imported_modules(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (REPO / package).rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(REPO)), a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add((str(path.relative_to(REPO)), node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", ["models", "sandbox"])
def test_models_and_sandbox_import_nothing_in_repo(package):
    bad = {(f, m) for f, m in imported_modules(package) if m in ("selfheal_local", "tui", "models", "sandbox")
           and m != package}
    assert not bad, bad


def test_tui_uses_only_selfheal_local():
    bad = {(f, m) for f, m in imported_modules("tui") if m in ("models", "sandbox")}
    assert not bad, bad


def test_no_heavy_library_at_module_level():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "TID253",
                           "selfheal_local", "models", "sandbox", "tui"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("module", ["selfheal_local.cli", "selfheal_local.service", "selfheal_local.factory",
                                    "tui.app", "selfheal_local"])
def test_importing_loads_no_heavy_library(module):
    code = (f"import sys, {module}; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_public_api_resolves():
    import selfheal_local

    missing = [name for name in selfheal_local.__all__ if not hasattr(selfheal_local, name)]
    assert not missing
