"""FixMemory on a real LanceDB dir in tmp_path with real embeddings."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from selfheal_local.config import Config
from selfheal_local.errors import MemoryUnavailable
from selfheal_local.memory import open_memory
from selfheal_local.memory.embedder import Embedder
from selfheal_local.memory.store import FixMemory
from selfheal_local.types import Verdict

from .helpers import diagnosis, patch_of

REPO = Path(__file__).resolve().parents[2]
PASSED = Verdict(True, "suite", tests_passed=3, tests_total=3)

TYPO_A = "def cart_total(prices, total):\n    return totl * 2\n"
TYPO_A_FIXED = "def cart_total(prices, total):\n    return total * 2\n"
GUARD = "def mean(values, count):\n    s = sum(values)\n    return s / count\n"
GUARD_FIXED = ("def mean(values, count):\n    s = sum(values)\n    if count == 0:\n"
               "        return 0\n    return s / count\n")


def _typo(memory, project="shop"):
    d = diagnosis("shop/cart.py", TYPO_A, "totl", pattern="undefined_variable", exc="NameError",
                  message="name 'totl' is not defined", name="totl")
    memory.record_success(d, patch_of(d, TYPO_A, TYPO_A_FIXED, source="rule"), PASSED,
                          accepted_by="user", project=project)
    return d


def _guard(memory, project="stats"):
    d = diagnosis("stats/avg.py", GUARD, "return s", pattern="zero_division_error",
                  exc="ZeroDivisionError", message="division by zero")
    memory.record_success(d, patch_of(d, GUARD, GUARD_FIXED), PASSED, accepted_by="auto",
                          project=project)
    return d


def test_recall_finds_the_same_error_under_other_names(memory):
    _typo(memory)
    _guard(memory)
    text = "def count_items(rows, count):\n    n = len(rows)\n    return cnt + n\n"
    query = diagnosis("inv/items.py", text, "cnt", pattern="undefined_variable", exc="NameError",
                      message="name 'cnt' is not defined", name="cnt")
    examples = memory.recall(query, 3)
    assert len(examples) == 1  # the pattern filter keeps the zero-division fix out
    ex = examples[0]
    assert ex["error"] == "NameError: name 'totl' is not defined"
    assert "totl" in ex["before"] and "total * 2" in ex["after"]
    assert ex["pattern"] == "undefined_variable" and ex["source"] == "rule"
    assert ex["fix"] == ex["after"] == ex["output"]  # the keys the model prompt reads
    assert ex["score"] > 0.8


def test_the_same_fix_twice_is_one_row(memory):
    _typo(memory)
    _typo(memory)
    stats = memory.stats()
    assert stats["fixes"] == 1
    assert stats["by_source"] == {"rule": 1} and stats["by_accepted_by"] == {"user": 1}


def test_a_fix_that_keeps_failing_is_down_ranked(memory):
    _guard(memory, "first")
    other = GUARD.replace("values", "items")
    d2 = diagnosis("stats/avg2.py", other, "return s", pattern="zero_division_error",
                   exc="ZeroDivisionError", message="division by zero")
    memory.record_success(d2, patch_of(d2, other, GUARD_FIXED.replace("values", "items")),
                          PASSED, accepted_by="user", project="second")
    query = diagnosis("stats/avg.py", GUARD, "return s", pattern="zero_division_error",
                      exc="ZeroDivisionError", message="division by zero")
    top = memory.nearest(query, 2, file_text=GUARD)[0]
    for reason in ("failing tests still fail", "regression in test_x", "regression in test_x"):
        replay = patch_of(query, GUARD, GUARD.replace("return s / count", "return 0"))
        replay.metadata["replayed_fix_id"] = top["id"]
        memory.record_failure(query, replay, reason)
    ranked = memory.nearest(query, 2, file_text=GUARD)
    assert ranked[-1]["id"] == top["id"]
    assert ranked[-1]["failures"] == 2  # the same rejection twice is one failure
    assert ranked[-1]["rank_score"] < ranked[-1]["score"]
    assert memory.stats()["negatives"] == 2


def test_search_text_list_forget(memory):
    d = _typo(memory)
    _guard(memory)
    memory.maintain()
    hits = memory.search_text("totl is not defined", 5)
    assert hits and hits[0]["message"] == "name 'totl' is not defined"
    assert [h["pattern"] for h in memory.search_text("division", 5,
                                                     "zero_division_error")] == [
        "zero_division_error"]
    listed = memory.list()
    assert len(listed) == 2
    fix_id = next(h["id"] for h in listed if h["pattern"] == d.pattern)
    assert memory.forget(fix_id) == 2  # the row and its JSONL line
    assert [h["pattern"] for h in memory.list()] == ["zero_division_error"]
    assert all(p["id"] != fix_id for p in memory.pairs.read())


def test_the_jsonl_rotates_but_the_table_keeps_everything(tmp_path, embedder):
    memory = FixMemory.at_home(tmp_path / "home", embedder, max_pairs=1)
    _typo(memory)
    _guard(memory)
    assert len(memory.pairs.read()) == 1
    assert len(memory.all_pairs()) == 2


def test_an_ann_index_is_built_past_the_threshold(tmp_path, embedder):
    memory = FixMemory.at_home(tmp_path / "home", embedder, ann_threshold=256,
                               optimize_every=10_000)
    pairs = [{"id": f"p{i}", "input": f"KeyError: 'k{i}'\n\nvalue = table[key_{i % 17}] + {i}",
              "output": f"value = table.get(key_{i % 17}, {i})",
              "metadata": {"pattern": "key_error"}} for i in range(300)]
    memory.store_pairs(pairs)
    memory.maintain()
    indexes = memory.stats()["indexes"]
    kinds = {(i["table"], tuple(i["columns"])): i["type"] for i in indexes}
    assert "HNSW" in kinds[("fixes", ("vector",))].upper()
    assert ("fixes", ("pattern",)) in kinds and ("fixes", ("text",)) in kinds
    vec = embedder.embed(["KeyError: '<id>' | value = table [ key_5 ] + 5"])[0]
    assert memory.search_vector(vec, 3, "key_error")


def test_an_older_schema_dir_is_moved_aside_and_migrated(tmp_path, embedder, caplog):
    import lancedb

    root = tmp_path / "home" / "memory"
    old = lancedb.connect(root)
    old.create_table("fixes", data=[{"id": "old1", "vector": [0.1] * 8, "pattern": "key_error",
                                     "text": "KeyError: 'port'\n\nport = cfg['port']",
                                     "output": "port = cfg.get('port', 80)"}])
    with caplog.at_level(logging.WARNING):
        memory = FixMemory.at_home(tmp_path / "home", embedder)
    aside = [p for p in (tmp_path / "home").iterdir() if p.name.startswith("memory.schema-")]
    assert len(aside) == 1 and (aside[0] / "fixes.lance").is_dir()  # the old data is kept
    assert memory.notes and "moved to" in memory.notes[0] and "migrated 1 of 1" in memory.notes[0]
    assert "moved to" in caplog.text
    assert [p["output"] for p in memory.all_pairs()] == ["port = cfg.get('port', 80)"]
    again = FixMemory.at_home(tmp_path / "home", embedder)  # now current: nothing moves
    assert again.notes == [] and len(again.all_pairs()) == 1


def test_a_missing_embedding_dir_means_no_memory_and_says_why(tmp_path, caplog):
    config = Config(home=str(tmp_path / "home"), embedding_model=str(tmp_path / "nope"))
    with caplog.at_level(logging.WARNING):
        assert open_memory(config) is None
    assert "embedding model directory" in caplog.text and "nope" in caplog.text
    with pytest.raises(MemoryUnavailable):
        Embedder(tmp_path)  # a dir, but no model in it


def test_a_read_only_data_dir_means_no_memory_and_says_why(tmp_path, embedder, caplog):
    home = tmp_path / "home"
    home.mkdir()
    if os.geteuid() == 0:  # root writes through modes; /proc refuses everyone
        home = Path("/proc/self/selfheal-home")
    else:
        home.chmod(0o500)
    with caplog.at_level(logging.WARNING):
        assert open_memory(Config(home=str(home)), embedder=embedder) is None
    assert "not writable" in caplog.text and "SELFHEAL_HOME" in caplog.text


def test_memory_switched_off_is_none(tmp_path):
    assert open_memory(Config(home=str(tmp_path), use_memory=False)) is None


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from selfheal_local.memory.embedder import Embedder, bundled_model_dir
    from selfheal_local.memory.store import FixMemory
    home, lo, hi = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    memory = FixMemory.at_home(home, Embedder(bundled_model_dir()), optimize_every=7)
    for i in range(lo, hi):
        memory.store_pair({"id": f"fix{i}", "input": f"KeyError: 'k{i}'", "output": f"ok {i}",
                           "metadata": {"pattern": "key_error"}})
""")


def test_two_processes_writing_neither_corrupt_nor_duplicate(tmp_path, embedder):
    home = tmp_path / "home"
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(home), lo, hi], env=env,
                              stderr=subprocess.PIPE, text=True)
             for lo, hi in (("0", "30"), ("15", "45"))]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    memory = FixMemory.at_home(home, embedder)
    ids = sorted(p["id"] for p in memory.all_pairs())
    assert ids == sorted(f"fix{i}" for i in range(45))
    assert json.loads(json.dumps(memory.stats()))["fixes"] == 45


OPEN_THEN_USE = """
import sys, time
from pathlib import Path
from selfheal_local.memory.embedder import Embedder, bundled_model_dir
from selfheal_local.memory.store import FixMemory

started = time.monotonic()
memory = FixMemory.at_home(Path(sys.argv[1]), Embedder(bundled_model_dir()))
opened = time.monotonic() - started
stats = memory.stats()
print(opened, time.monotonic() - started, stats["fixes"])
"""


def test_opening_the_memory_does_not_wait_for_lancedb(tmp_path):
    """LanceDB (seconds to import) connects in the background: a heal scans meanwhile, and the
    first use waits for it. Side by side in one fresh process: open vs open-and-use."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", OPEN_THEN_USE, str(tmp_path / "home")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    opened, used, fixes = out.stdout.split()
    assert fixes == "0"
    assert float(opened) < float(used) / 4, out.stdout  # the import is not on the open's path
