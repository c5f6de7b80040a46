"""Replay and learned rules through the real heal loop: real projects, sandbox, LanceDB, model."""

from __future__ import annotations

import json

from selfheal_local.factory import open_healer
from selfheal_local.fixers.base import make_patch
from selfheal_local.memory import LearnedRuleSource
from selfheal_local.memory.store import FixMemory
from selfheal_local.protocols import SourceBase
from selfheal_local.types import Verdict

from .helpers import diagnosis, patch_of, project_tests_pass, write_project

QUICK = {"use_model": False, "search_budget_s": 5.0, "search_max_candidates": 20}

PROJECT_A = {
    "net/client.py": """
        def request_timeout_ms(options):
            timeout = options["timeout"]
            return timeout * 1000
    """,
    "tests/test_client.py": """
        from net.client import request_timeout_ms

        def test_explicit():
            assert request_timeout_ms({"timeout": 2}) == 2000

        def test_default_is_the_house_default():
            assert request_timeout_ms({}) == 30000
    """,
}

PROJECT_B = {
    "jobs/runner.py": """
        import time


        def job_deadline(settings, start=None):
            start = time.time() if start is None else start
            limit = settings["timeout"]
            return start + limit
    """,
    "tests/test_runner.py": """
        from jobs.runner import job_deadline

        def test_explicit_limit():
            assert job_deadline({"timeout": 5}, start=100) == 105

        def test_default_limit():
            assert job_deadline({}, start=100) == 130
    """,
}


class HouseDefaultSearch(SourceBase):
    """Plays the part of mutation search the first time: the fix nobody else proposes."""

    name = "search"
    remembers_failures = False

    def propose(self, diagnosis, project):
        text = project.read(diagnosis.file)
        new = text.replace('options["timeout"]', 'options.get("timeout", 30)')
        patch = make_patch(diagnosis, project, {diagnosis.file: new},
                           "default the timeout to 30", confidence=0.3, source="search")
        return [patch] if patch else []


def test_a_fix_healed_in_project_a_heals_project_b_through_replay(tmp_path, embedder):
    home = tmp_path / "home"
    memory = FixMemory.at_home(home, embedder)
    a = write_project(tmp_path / "a", PROJECT_A)
    healer = open_healer(a, QUICK | {"home": str(home)}, memory=memory)
    healer.sources.append(HouseDefaultSearch())
    first = healer.heal()
    assert first.healthy, first.to_dict()
    assert [x.patch.source for x in first.applied] == ["search"]
    assert memory.stats()["fixes"] == 1

    b = write_project(tmp_path / "b", PROJECT_B)
    healer = open_healer(b, QUICK | {"home": str(home)}, memory=memory)
    assert [s.name for s in healer.sources].index("memory") < [
        s.name for s in healer.sources].index("search")
    second = healer.heal()
    assert second.healthy, second.to_dict()
    applied = second.applied[0].patch
    assert applied.source == "memory"
    assert "replays past fix" in applied.explanation
    assert 'settings.get("timeout", 30)' in (b / "jobs/runner.py").read_text()
    assert project_tests_pass(b)  # checked independently of selfheal
    assert memory.stats()["by_source"] == {"search": 1, "memory": 1}


HOUSE_DEFAULT_SITES = [
    ("net/client.py", "def timeout_ms(options):\n    timeout = options[\"timeout\"]\n"
     "    return timeout * 1000\n", "options["),
    ("jobs/retry.py", "def backoff(cfg, attempt):\n    base = 2\n    wait = cfg[\"wait_s\"]\n"
     "    return wait * base ** attempt\n", "cfg["),
    ("api/limits.py", "class Limits:\n    def per_minute(self, settings):\n"
     "        limit = settings[\"limit\"]\n        return limit\n", "settings["),
]

PROJECT_D = {
    "ops/deadline.py": """
        def deadline(opts, now):
            span = opts["deadline"]
            return now + span
    """,
    "tests/test_deadline.py": """
        from ops.deadline import deadline

        def test_explicit():
            assert deadline({"deadline": 5}, 100) == 105

        def test_house_default():
            assert deadline({}, 100) == 130
    """,
}


def _house_default(text: str) -> str:
    import re

    return re.sub(r'(\w+)\[("\w+")\]', r"\1.get(\2, 30)", text, count=1)


def test_three_accepted_fixes_make_a_rule_that_heals_a_fourth_with_memory_off(tmp_path, embedder):
    home = tmp_path / "home"
    memory = FixMemory.at_home(home, embedder)
    for n, (file, text, needle) in enumerate(HOUSE_DEFAULT_SITES, 1):
        d = diagnosis(file, text, needle, pattern="key_error", exc="KeyError",
                      message=repr(text.split('"')[1]), name=text.split('"')[1])
        memory.record_success(d, patch_of(d, text, _house_default(text)), Verdict(True, "suite"),
                              accepted_by="user", project=f"project{n}")
        assert len(memory.rules.list()) == (1 if n == 3 else 0)
    rules_file = home / "memory" / "learned_rules.json"
    rule = json.loads(rules_file.read_text())["rules"][0]  # readable JSON
    assert rule["accepted"] == 3 and rule["pattern"] == "key_error"
    assert rule["transformation"]["steps"][0]["new"][:3] == [".", "get", "("]

    d = write_project(tmp_path / "d", PROJECT_D)
    healer = open_healer(d, QUICK | {"home": str(home), "use_memory": False})
    assert healer.memory is None and "memory" not in [s.name for s in healer.sources]
    result = healer.heal()
    assert result.healthy, result.to_dict()
    patch = result.applied[0].patch
    assert patch.source == "rule" and f"learned rule {rule['id']}" in patch.explanation
    assert 'opts.get("deadline", 30)' in (d / "ops/deadline.py").read_text()
    assert project_tests_pass(d)

    memory.rules.remove(rule["id"])  # removable, and not promoted again from the same history
    e = write_project(tmp_path / "e", PROJECT_D)
    healer = open_healer(e, QUICK | {"home": str(home), "use_memory": False})
    learned = next(s for s in healer.sources if isinstance(s, LearnedRuleSource))
    finding = next(f for f in healer.scan().findings if f.code == "KeyError")
    assert list(learned.propose(healer.diagnose(finding), healer.project)) == []
    file, text, needle = HOUSE_DEFAULT_SITES[0]
    again = diagnosis(file, text, needle, pattern="key_error", exc="KeyError",
                      message="'timeout'", name="timeout")
    memory.record_success(again, patch_of(again, text.replace("1000", "1e3"),
                                          _house_default(text).replace("1000", "1e3")),
                          Verdict(True, "suite"), accepted_by="user", project="again")
    assert memory.rules.list() == []
