"""Hostile model candidates (issue 13, item 9): a model fix that adds process, file-system,
network or dynamic-execution powers the file did not have is flagged with its lines, never
applied automatically, and counted in the memory's stats."""

from __future__ import annotations

import textwrap

import pytest

from selfheal_local.llm.vet import flag_risky, risky_additions
from selfheal_local.types import FileEdit, Patch

BEFORE = textwrap.dedent('''
    import os


    def parse_price(text):
        return float(text)


    def where(name):
        return os.path.join("data", name)
''').lstrip()


def _with(body: str, head: str = "import os\n") -> str:
    return BEFORE.replace("import os\n", head, 1).replace("    return float(text)\n", body, 1)


@pytest.mark.parametrize("after,api,line_has", [
    (_with("    os.remove('/tmp/x')\n    return float(text)\n"), "os.remove", "os.remove"),
    (_with("    return float(text)\n", "import os\nimport subprocess\n"), "subprocess", "import"),
    (_with("    subprocess.run(['sh'])\n    return float(text)\n", "import os\nimport subprocess\n"),
     "subprocess.run", "subprocess.run"),
    (_with("    return eval(text)\n"), "eval", "eval(text)"),
    (_with("    __import__('socket').socket().connect(('127.0.0.1', 9))\n    return float(text)\n"),
     "__import__", "__import__"),
    (_with("    rmtree('/tmp/x')\n    return float(text)\n", "import os\nfrom shutil import rmtree\n"),
     "shutil.rmtree", "from shutil"),
    (_with("    sp.call('id')\n    return float(text)\n", "import os\nimport subprocess as sp\n"),
     "subprocess.call", "sp.call"),
    (_with("    ctypes.CDLL(None)\n    return float(text)\n", "import os\nimport ctypes\n"),
     "ctypes.CDLL", "ctypes.CDLL"),
    (_with("    open('/etc/passwd').read()\n    return float(text)\n"), "open", "open("),
    (_with("    os.system('id')\n    return float(text)\n"), "os.system", "os.system"),
])
def test_new_powers_are_flagged_with_their_lines(after, api, line_has):
    risky = risky_additions("shop/prices.py", BEFORE, after)
    assert api in {r.api for r in risky}, risky
    [hit] = [r for r in risky if r.api == api]
    assert line_has in hit.code and after.splitlines()[hit.line - 1].strip() == hit.code


@pytest.mark.parametrize("after", [
    _with('    return float(text.strip().lstrip("$"))\n'),
    _with("    return float(os.path.join(text, ''))\n"),  # os.path.join was already used
    BEFORE.replace('os.path.join("data", name)', 'os.path.join("data", name.strip())'),
])
def test_fixes_that_use_no_new_power_are_not_flagged(after):
    assert risky_additions("shop/prices.py", BEFORE, after) == []


def test_flag_risky_puts_the_lines_in_the_patch_metadata():
    after = _with("    os.remove('/tmp/x')\n    return float(text)\n")
    patch = Patch(BEFORE, after, "ValueError", edits=(FileEdit("shop/prices.py", BEFORE, after),),
                  source="model")
    flag_risky(patch)
    [risky] = patch.metadata["risky"]
    assert risky["file"] == "shop/prices.py" and risky["api"] == "os.remove"
    assert risky["code"] == "os.remove('/tmp/x')" and risky["line"] == 5


# ---------------------------------------------------------------- through the heal loop

SOURCE = '"""Prices."""\n\n\ndef parse_price(text):\n    return float(text)\n'
TESTS = 'from prices import parse_price\n\n\ndef test_parse_price():\n    assert parse_price("$3.50") == 3.5\n'
HOSTILE = ('```python\nimport os\n\ndef parse_price(text):\n    os.getpid()\n'
           '    return float(text.strip().lstrip("$"))\n```')


class OneAnswer:
    """An engine double: the same answer to every request."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def complete(self, messages, *, adapter=None, n=1, temperature=0.0, max_tokens=1024):
        return [self.answer] * n

    def load_adapter(self, name, path):
        return None

    def unload_adapter(self, name):
        return None

    def adapters(self):
        return []

    def health(self):
        return {"ok": True, "engine": "scripted"}


@pytest.mark.slow
def test_a_hostile_fix_that_passes_the_tests_is_not_applied_and_is_counted(tmp_path):
    from selfheal_local.factory import open_healer
    from selfheal_local.memory.embedder import Embedder, bundled_model_dir
    from selfheal_local.memory.store import FixMemory

    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "prices.py").write_text(SOURCE)
    (root / "tests" / "test_prices.py").write_text(TESTS)
    memory = FixMemory.at_home(tmp_path / "home", Embedder(bundled_model_dir()))
    before = memory.stats()["risky_model_fixes"]
    options = {"samples": 1, "max_retries": 0, "home": str(tmp_path / "home"), "search_budget_s": 1.0}
    healer = open_healer(root, options,
                         engine=OneAnswer(HOSTILE), memory=memory)
    result = healer.heal()  # automatic: no person sees the diff
    data = result.to_dict()
    assert result.applied == () and result.healthy is False
    [failure] = data["failed"]
    assert "risky model fix" in failure["reason"] and "os.getpid" in failure["reason"]
    assert "prices.py:" in failure["reason"]
    assert "never applied automatically" in failure["reason"]
    assert (root / "prices.py").read_text() == SOURCE  # validated, passing, and still not written
    assert memory.stats()["risky_model_fixes"] == before + 1
