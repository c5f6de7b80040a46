"""Which of two plausible candidates validated side by side is kept: the better ranked, not the
one whose test run happened to end first (a heal gave ``version_info[1] != 3`` or the right
``version_info[0] == 3`` from run to run); a hanging better-ranked one still holds up a proved
one only briefly (issue 11, validation cost)."""

from __future__ import annotations

import threading
import time

from selfheal_local.types import Patch, Verdict
from selfheal_local.validation.batch import GRACE_S, first_proved
from selfheal_local.validation.validator import Validation


def patch(name: str) -> Patch:
    return Patch("", "", "", source="search", explanation=name)


def validate_after(delays: dict[str, float | None]):
    """Each candidate passes after its delay; None: it runs until it is stopped."""
    def validate(candidate: Patch, stop: threading.Event) -> Validation:
        started = time.monotonic()
        delay = delays[candidate.explanation]
        if stop.wait(3600 if delay is None else delay):
            return Validation(Verdict(passed=False, stage="failing", reason="stopped"))
        return Validation(Verdict(passed=True, stage="suite",
                                  elapsed_s=time.monotonic() - started))
    return validate


def test_the_better_ranked_plausible_candidate_is_kept_though_it_finishes_second():
    results = first_proved(validate_after({"right": 0.6, "lucky": 0.1}),
                           [patch("right"), patch("lucky")], workers=2)
    proved = [p.explanation for p, v in results if v.verdict.passed]
    assert proved == ["right", "lucky"]


def test_a_proved_candidate_stops_the_ones_ranked_after_it():
    started = time.monotonic()
    results = first_proved(validate_after({"right": 0.1, "hangs": None}),
                           [patch("right"), patch("hangs")], workers=2)
    assert [p.explanation for p, v in results] == ["right"]
    assert time.monotonic() - started < 5


def test_a_hanging_better_ranked_candidate_holds_up_a_proved_one_only_for_the_grace():
    started = time.monotonic()
    results = first_proved(validate_after({"hangs": None, "right": 0.1}),
                           [patch("hangs"), patch("right")], workers=2)
    assert [p.explanation for p, v in results if v.verdict.passed] == ["right"]
    assert time.monotonic() - started < GRACE_S + 3
