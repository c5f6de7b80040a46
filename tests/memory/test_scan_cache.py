"""The scan cache: a replay in a fresh process does not wait for LanceDB's import, and what it
reads is always what LanceDB holds now (real LanceDB in tmp_path, real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from selfheal_local.memory import scancache
from selfheal_local.memory.store import FixMemory

from .helpers import diagnosis, patch_of
from .test_store import PASSED, TYPO_A, TYPO_A_FIXED, _typo

REPO = Path(__file__).resolve().parents[2]
QUERY_TEXT = "def count_items(rows, count):\n    n = len(rows)\n    return cnt + n\n"


def _query():
    return diagnosis("inv/items.py", QUERY_TEXT, "cnt", pattern="undefined_variable",
                     exc="NameError", message="name 'cnt' is not defined", name="cnt")


def _ids(memory) -> list[str]:
    return [h["id"] for h in memory.nearest(_query(), 5, file_text=QUERY_TEXT)]


def test_a_replay_lookup_reads_what_the_table_holds_now(tmp_path, embedder):
    home = tmp_path / "home"
    first = FixMemory.at_home(home, embedder)
    _typo(first)  # stored (the embedder is loaded): a new table version, cached
    found = _ids(first)
    assert len(found) == 1
    assert scancache.cached_rows(first.root, "fixes", "undefined_variable") is not None
    # another process forgets the fix: the table moves on, the cache of the old version
    # must not bring the forgotten fix back
    other = FixMemory.at_home(home, embedder)
    assert other.forget(found[0]) >= 1
    assert _ids(FixMemory.at_home(home, embedder)) == []
    assert _ids(first) == []
    # and a fix stored by another process is seen at once
    d = diagnosis("shop/cart.py", TYPO_A, "totl", pattern="undefined_variable", exc="NameError",
                  message="name 'totl' is not defined", name="totl")
    other.record_success(d, patch_of(d, TYPO_A, TYPO_A_FIXED, source="rule"), PASSED,
                         accepted_by="user", project="again")
    assert len(_ids(first)) == 1


def test_the_cached_answer_is_the_tables_answer(tmp_path, embedder):
    home = tmp_path / "home"
    memory = FixMemory.at_home(home, embedder)
    _typo(memory, project="a")
    _typo(memory, project="b")
    cached = memory.nearest(_query(), 5, file_text=QUERY_TEXT)
    (memory.root / scancache.CACHE_FILE).unlink()
    fresh = FixMemory.at_home(home, embedder).nearest(_query(), 5, file_text=QUERY_TEXT)
    assert cached == fresh and len(cached) == 2


LOOKUP = """
import importlib.util, json, sys
from pathlib import Path
from selfheal_local.memory.embedder import Embedder, bundled_model_dir
from selfheal_local.memory.store import FixMemory

spec = importlib.util.spec_from_file_location("helpers", sys.argv[2])
helpers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(helpers)
text = "def count_items(rows, count):\\n    n = len(rows)\\n    return cnt + n\\n"
query = helpers.diagnosis("inv/items.py", text, "cnt", pattern="undefined_variable",
                          exc="NameError", message="name 'cnt' is not defined", name="cnt")
memory = FixMemory.at_home(Path(sys.argv[1]), Embedder(bundled_model_dir()))
hits = memory.nearest(query, 5, file_text=text)
print(json.dumps({"hits": len(hits), "lancedb_imported": "lancedb" in sys.modules}))
"""


def test_a_fresh_process_replays_without_importing_lancedb(tmp_path, embedder):
    home = tmp_path / "home"
    _typo(FixMemory.at_home(home, embedder))
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    out = subprocess.run([sys.executable, "-c", LOOKUP, str(home),
                          str(Path(__file__).with_name("helpers.py"))],
                         capture_output=True, text=True, timeout=300, env=env, cwd=REPO)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"hits": 1, "lancedb_imported": False}, got
