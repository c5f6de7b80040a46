"""A candidate that makes its test pass only sometimes is never validated: its tests run a
second time under another hash seed (``validation.flaky``). A real cachetools mutant was
"healed" by a candidate whose test passed by chance in the sandbox and failed in the person's
next run (issue 11: 0 false claims)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from selfheal_local.analyze import diagnose
from selfheal_local.types import TestReport
from selfheal_local.validation.limits import per_test_limit
from selfheal_local.validation.validator import Validator
from selfheal_local.validation.warm import WarmRuns

from .test_evidence import edit, healer_for, write

WORDS = [f"word{i:02d}" for i in range(24)]
ORDERED = '''
WORDS = {words!r}


def vocabulary():
    return sorted(WORDS, reverse=True)
'''


def seed_zero_order() -> list[str]:
    """The order a set of ``WORDS`` has under the sandbox's first-run hash seed (0)."""
    code = f"print(list(set({WORDS!r})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONHASHSEED": "0"}, check=True).stdout
    return eval(out)  # noqa: S307 - our own subprocess printing a list of our own strings


@pytest.mark.parametrize("spare,warm,cores", [
    (False, False, 1), (True, False, 1), (True, True, 1), (False, False, 2)],
    ids=["after", "beside", "beside-started-ahead", "beside-on-a-core-the-batch-left"])
def test_a_candidate_that_passes_by_the_hash_seed_is_flaky_and_the_real_fix_is_proved(
        tmp_path: Path, spare: bool, warm: bool, cores: int) -> None:
    # "beside": with a core to spare the second run starts with the first, in its own workspace
    expected = seed_zero_order()
    tests = ("from vocab import vocabulary\n\n\n"
             f"def test_the_vocabulary_order():\n    assert vocabulary() == {expected!r}\n")
    root = write(tmp_path / "p", {"vocab.py": ORDERED.format(words=WORDS),
                                  "tests/test_vocab.py": tests})
    healer = healer_for(root)
    healer.scan()
    assert healer.baseline.failed == {"tests/test_vocab.py::test_the_vocabulary_order"}
    finding = next(f for f in healer.findings if f.test_ids)
    diagnosis = diagnose(finding, healer.project)
    validator = Validator(healer.project, healer.sandbox,
                          quick(healer.baseline) if warm else healer.baseline)
    validator.spare, validator.cores = spare, cores
    if warm:  # both runs in interpreters started ahead (the second's seed chosen then)
        validator.warm = started_ahead(healer)
    by_chance = edit(healer.project, "vocab.py", "sorted(WORDS, reverse=True)", "list(set(WORDS))",
                     "iterated a set")
    verdict = validator.validate(by_chance, diagnosis).verdict
    assert not verdict.passed and verdict.stage == "flaky", verdict
    assert "test_the_vocabulary_order" in verdict.reason
    if warm:
        assert validator.warm.ready() == set(), "the runs started ahead were not used"
        validator.warm.prime(validator.baseline, validator.test_limit_s)
    steady = edit(healer.project, "vocab.py", "sorted(WORDS, reverse=True)",
                  f"{expected!r}", "listed the words")
    assert validator.validate(steady, diagnosis).verdict.passed


def quick(baseline: TestReport) -> TestReport:
    """``baseline`` as a quick suite's, however busy the machine was when it ran."""
    return replace(baseline, elapsed_s=min(baseline.elapsed_s, 0.3))


def started_ahead(healer) -> WarmRuns:  # noqa: ANN001
    """Runs started ahead for ``healer``'s project, once both are ready."""
    runs = WarmRuns(healer.project, healer.sandbox)
    runs.prime(quick(healer.baseline), per_test_limit(healer.project, healer.baseline))
    deadline = time.monotonic() + 30
    while runs.ready() != {False, True} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runs.ready() == {False, True}
    return runs


def shop_fix_is_proved(root: Path) -> bool:
    """The real fix of ``shop.total`` (an extra ``+ 1``) is validated."""
    healer = healer_for(root)
    healer.scan()
    assert healer.baseline.failed == {"tests/test_shop.py::test_total"}
    finding = next(f for f in healer.findings if f.test_ids)
    validator = Validator(healer.project, healer.sandbox, healer.baseline)
    fix = edit(healer.project, "shop.py", "sum(prices) + 1", "sum(prices)", "removed the + 1")
    verdict = validator.validate(fix, diagnose(finding, healer.project)).verdict
    assert verdict.passed, verdict
    return verdict.passed


ORDER_TESTS = '''
from shop import total

CALLS = []


def test_nothing_called_yet():
    assert CALLS == []  # holds when the module runs in file order, as the suite runs it


def test_total():
    CALLS.append("total")
    assert total([1, 2]) == 3
'''


def test_a_test_that_depends_on_file_order_is_not_flaky_when_the_fix_is_rerun(
        tmp_path: Path) -> None:
    # a slow suite (over a second) is validated in stages and its second run is a part of it;
    # that part runs in the suite's own order, so a test written to run before the target in
    # its file is not run after it and the real fix is not refused as "flaky" (six's test_lazy)
    root = write(tmp_path / "p", {
        "shop.py": "def total(prices):\n    return sum(prices) + 1\n",
        "tests/test_shop.py": ORDER_TESTS,
        "tests/test_slow.py": "import time\n\n\ndef test_slow():\n    time.sleep(1.2)\n"})
    assert shop_fix_is_proved(root)


def test_a_test_that_was_flaky_before_the_candidate_is_not_held_against_it(
        tmp_path: Path) -> None:
    # a test of the changed module that passes under the sandbox's seed 0 and fails under most
    # others, in the unchanged project too: the fix did not make it flaky and is proved
    expected = seed_zero_order()
    tests = ("from shop import total\n\n\n"
             "def test_total():\n    assert total([1, 2]) == 3\n\n\n"
             f"def test_word_order():\n    assert list(set({WORDS!r})) == {expected!r}\n")
    root = write(tmp_path / "p", {"shop.py": "def total(prices):\n    return sum(prices) + 1\n",
                                  "tests/test_shop.py": tests})
    assert shop_fix_is_proved(root)
