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


PACKAGE_ROOTS = ("selfheal_local", "models", "sandbox", "tui")
PACKAGES = sorted(".".join(p.parent.relative_to(REPO).parts) for root in PACKAGE_ROOTS
                  for p in (REPO / root).rglob("__init__.py"))
LOGGER = "log"
"""``log = logging.getLogger(__name__)``: the house logger, not API."""


def defined_public_names(init: Path) -> set[str]:
    """Public names a package's ``__init__`` defines or re-exports from its own modules
    (imports of other packages and of modules, and ``if TYPE_CHECKING`` blocks, are not API)."""
    names: set[str] = set()
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                elts = target.elts if isinstance(target, ast.Tuple) else [target]
                names |= {t.id for t in elts if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_") and n != LOGGER}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_lists_exactly_its_public_api(package):
    import importlib

    module = importlib.import_module(package)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{package} has no __all__"
    assert len(exported) == len(set(exported)), f"{package}.__all__ repeats a name"
    unresolved = [name for name in exported if not hasattr(module, name)]
    assert not unresolved, f"{package}.__all__ names what it does not have: {unresolved}"
    unlisted = defined_public_names(REPO / package.replace(".", "/") / "__init__.py") - set(exported)
    assert not unlisted, f"{package} defines public names missing from __all__: {sorted(unlisted)}"


def test_the_api_check_sees_a_name_missing_from_all(tmp_path):
    """The check above can fail: a package that defines a public function it does not list."""
    init = tmp_path / "__init__.py"
    init.write_text("import os\nfrom typing import Any\nfrom .part import shown\n\n"
                    "__all__ = ['shown']\nlog = None\n\n\ndef hidden():\n    pass\n")
    assert defined_public_names(init) == {"shown", "hidden"}
