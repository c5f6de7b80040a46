"""Recording a fix never waits for the embedding model; the spool is embedded when it loads."""

from __future__ import annotations

from selfheal_local.memory.embedder import Embedder, bundled_model_dir
from selfheal_local.memory.store import FixMemory
from selfheal_local.types import Verdict

from .helpers import diagnosis, patch_of

TEXT = "def f(total):\n    return totl + 1\n"


def record(memory: FixMemory, n: int = 0) -> None:
    d = diagnosis(f"p{n}/x.py", TEXT, "totl", pattern="undefined_variable", exc="NameError",
                  message="name 'totl' is not defined", name="totl")
    memory.record_success(d, patch_of(d, TEXT, TEXT.replace("return totl", "return total"),
                                      source="rule"),
                          Verdict(True, "suite"), accepted_by="user", project=f"p{n}")
    memory.record_failure(d, patch_of(d, TEXT, TEXT.replace("totl", "0"), source="search"),
                          "rejected by the person")


def test_a_fresh_process_records_without_loading_the_model(tmp_path):
    cold = Embedder(bundled_model_dir())  # never used before: loading it is the slow part
    memory = FixMemory.at_home(tmp_path / "home", cold)
    assert memory.nearest(diagnosis("a.py", TEXT, "totl", pattern="undefined_variable",
                                    exc="NameError", message="m")) == []  # empty: no model
    record(memory)
    assert not cold.loaded
    assert len(memory.pairs.read()) == 1  # durable at once in the JSONL
    assert len(memory.spool) == 2

    # a second process (the TUI, `selfheal memory`) sees the spooled fix once it looks
    other = FixMemory.at_home(tmp_path / "home", Embedder(bundled_model_dir()))
    stats = other.stats()
    assert (stats["fixes"], stats["negatives"]) == (1, 1)
    assert len(other.spool) == 0 and len(memory.spool) == 0
    hits = other.search_text("name 'totl' is not defined")
    assert hits and hits[0]["message"] == "name 'totl' is not defined"


def test_with_the_model_loaded_a_record_is_stored_at_once(tmp_path, embedder):
    memory = FixMemory.at_home(tmp_path / "home", embedder)
    record(memory)
    assert len(memory.spool) == 0
    assert memory._table("fixes").count_rows() == 1


def test_three_spooled_fixes_of_one_shape_promote_a_rule_before_any_embedding(tmp_path):
    cold = Embedder(bundled_model_dir())
    memory = FixMemory.at_home(tmp_path / "home", cold, promote_after=3)
    for n in range(3):
        record(memory, n)
    assert not cold.loaded and len(memory.rules.list()) == 1


def test_forgetting_a_spooled_fix_needs_no_model(tmp_path):
    cold = Embedder(bundled_model_dir())
    memory = FixMemory.at_home(tmp_path / "home", cold)
    record(memory)
    fix_id = memory.pairs.read()[0]["id"]
    assert memory.forget(fix_id) == 2  # the spooled row and the JSONL pair
    assert not cold.loaded and memory.pairs.read() == []
    assert [kind for kind, _ in memory.spool.items()] == ["negative"]
    assert memory.forget(fix_id) == 0


def test_a_shape_accepted_again_and_again_in_one_project_is_not_a_rule(tmp_path):
    # six's Python 2 branches "fixed" to the same wrong builtin in every copy of one project:
    # a habit of that project, not a rule for every project
    cold = Embedder(bundled_model_dir())
    memory = FixMemory.at_home(tmp_path / "home", cold, promote_after=3)
    for _ in range(4):
        record(memory, 0)
    assert memory.rules.list() == []
    record(memory, 1)
    assert len(memory.rules.list()) == 1
