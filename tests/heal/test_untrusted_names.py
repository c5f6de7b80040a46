"""Names that come from test output are untrusted: the agent never imports a module a failing
test named (issue 13, item 6). Importing ``this`` prints the Zen of Python into ``--json``
output; importing ``unittest.__main__`` runs unittest's command line inside the agent.

The real CLI in a subprocess, the real sandbox, real pytest.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from .projects import digest
from .test_heal_cli import selfheal

HEAL = ("--yes", "--json", "--no-model", "--no-memory")


def _project(root: Path, module: str) -> Path:
    # a stand-in object named like a stdlib module; the message names that module
    files = {
        "shop/__init__.py": "",
        "shop/zen.py": f"""
            import types

            this = types.SimpleNamespace(text="simple is better")


            def motto():
                raise AttributeError("module '{module}' has no attribute 'txet'")
                return this.txet
        """,
        "tests/test_zen.py": """
            from shop.zen import motto

            def test_motto():
                assert motto() == "simple is better"
        """,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


@pytest.mark.parametrize("module,trace", [
    ("this", "Beautiful is better than ugly"),
    ("unittest.__main__", "usage:"),
])
def test_a_module_named_by_a_failing_test_is_never_imported(tmp_path, module, trace):
    root = _project(tmp_path / "proj", module)
    before = digest(root)
    proc = selfheal("heal", str(root), *HEAL, home=tmp_path / "home")
    assert trace not in proc.stdout and trace not in proc.stderr, proc.stdout[:2000]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    result = json.loads(proc.stdout)  # the --json output still parses: nothing else was printed
    assert proc.returncode == 1 and result["healthy"] is False
    assert any(f["code"] == "AttributeError" and module in f["message"] for f in result["findings"])
    assert digest(root) == before
