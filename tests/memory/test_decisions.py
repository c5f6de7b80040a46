"""The project's decisions: a no is found again when the same change comes back at another line,
from another source, or inside a larger change; it survives a new store (a later session)."""

from __future__ import annotations

import json
from pathlib import Path

from selfheal_local.memory.decisions import DecisionStore, change_of, finding_key
from selfheal_local.types import FileEdit, Finding

UTIL = "import os\nimport sys\n\n\ndef shout(text):\n    return text.upper()\n"


def test_a_rejected_change_blocks_itself_shifted_and_inside_a_larger_change(tmp_path: Path) -> None:
    lint = Finding("ruff", "util.py", 1, "F401", "`os` imported but unused")
    rejected = FileEdit("util.py", UTIL, UTIL.replace("import os\n", ""))
    DecisionStore(tmp_path).record("rejected", lint, change_of([rejected]), reason="re-exported")

    later = DecisionStore(tmp_path)  # a new session reads the file
    shifted = "# header\n\n" + UTIL
    assert later.blocking([FileEdit("util.py", shifted, shifted.replace("import os\n", ""))])
    whole_file = UTIL.replace("import os\nimport sys\n", "")
    assert later.blocking([FileEdit("util.py", UTIL, whole_file)])  # would also remove `os`
    other = FileEdit("util.py", UTIL, UTIL.replace("import sys\n", ""))
    assert later.blocking([other]) is None  # a different change is still allowed
    assert [d.kind for d in later.for_finding(lint)] == ["rejected"]
    saved = json.loads((tmp_path / ".selfheal" / "decisions.json").read_text())
    assert saved["decisions"][0]["reason"] == "re-exported"


def test_one_problem_has_one_key_across_reporters_and_lines() -> None:
    ruff = Finding("ruff", "shop/cart.py", 4, "F821", "Undefined name `subtotl`")
    test = Finding("test", "shop/cart.py", 9, "NameError", "name 'subtotl' is not defined")
    assert finding_key(ruff) == finding_key(test)
    assert finding_key(ruff) != finding_key(Finding("ruff", "shop/cart.py", 4, "F821",
                                                    "Undefined name `total`"))
