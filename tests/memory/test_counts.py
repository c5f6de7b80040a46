"""The memory's size in the TUI's header is counted without LanceDB: importing it holds the
interpreter for seconds while the person types. The count is always what LanceDB would say
(real LanceDB in tmp_path, real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from selfheal_local import session
from selfheal_local.memory import scancache
from selfheal_local.memory.store import FixMemory

from .helpers import patch_of
from .test_store import GUARD, _guard, _typo

REPO = Path(__file__).resolve().parents[2]

SIZE = """
import json, sys
from pathlib import Path
from types import SimpleNamespace
from selfheal_local import session
from selfheal_local.memory.embedder import Embedder, bundled_model_dir
from selfheal_local.memory.store import FixMemory

memory = FixMemory.at_home(Path(sys.argv[1]), Embedder(bundled_model_dir()))
size = session.memory_size(SimpleNamespace(memory=memory))
print(json.dumps({"size": size, "lancedb_imported": "lancedb" in sys.modules,
                  "embedder_loaded": memory.embedder.loaded}))
"""


def _size_in_a_fresh_process(home: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    out = subprocess.run([sys.executable, "-c", SIZE, str(home)], capture_output=True,
                         text=True, timeout=300, env=env, cwd=REPO)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _stated(memory: FixMemory) -> str:
    stats = memory.stats()
    return f"{stats['fixes']} fixes, {stats['negatives']} negatives"


def _reject_twice(memory: FixMemory) -> None:
    d = _guard(memory, "first")
    for reason in ("failing tests still fail", "regression in test_x"):
        memory.record_failure(d, patch_of(d, GUARD, GUARD.replace("return s / count",
                                                                   "return 0")), reason)


def test_an_empty_memory_is_counted_without_lancedb(tmp_path):
    got = _size_in_a_fresh_process(tmp_path / "home")
    assert got == {"size": "0 fixes, 0 negatives", "lancedb_imported": False,
                   "embedder_loaded": False}


def test_stored_and_spooled_rows_are_counted_as_lancedb_counts_them(tmp_path, embedder):
    home = tmp_path / "home"
    memory = FixMemory.at_home(home, embedder)  # loaded: every record is stored at once
    _typo(memory)
    _reject_twice(memory)
    got = _size_in_a_fresh_process(home)
    assert got == {"size": "2 fixes, 2 negatives", "lancedb_imported": False,
                   "embedder_loaded": False}
    # a process whose model never loaded spools what it records: counted too
    from selfheal_local.memory.embedder import Embedder, bundled_model_dir

    cold = FixMemory.at_home(home, Embedder(bundled_model_dir()))
    _typo(cold, project="other")
    _reject_twice(cold)
    # a new fix; the guard fix and both negatives again, which the tables hold already
    assert len(cold.spool) == 4
    got = _size_in_a_fresh_process(home)
    assert got["size"] == "3 fixes, 2 negatives" and not got["lancedb_imported"]
    assert _stated(FixMemory.at_home(home, embedder)) == got["size"]  # LanceDB agrees


def test_a_count_of_another_version_is_not_believed(tmp_path, embedder):
    home = tmp_path / "home"
    memory = FixMemory.at_home(home, embedder)
    _reject_twice(memory)
    counts = memory.root / scancache.IDS_FILE
    entry = json.loads(counts.read_text())
    assert len(entry["negatives"]["ids"]) == 2
    entry["negatives"] = {"token": "a version that is gone", "ids": ["x", "y", "z"]}
    counts.write_text(json.dumps(entry))
    fresh = FixMemory.at_home(home, embedder)
    assert fresh.counts() is None  # not known without LanceDB: then LanceDB counts
    assert session.memory_size(SimpleNamespace(memory=fresh)) == "1 fixes, 2 negatives"
    assert fresh.counts() == (1, 2)  # and the count is kept for the next start
