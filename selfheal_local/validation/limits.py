"""How long a candidate's test runs may take, and how its whole-suite stage runs.

Every limit comes from the baseline run of the same project: the suite's time-out is a multiple
of the baseline suite's time plus a floor (``validation_timeout``), each test's is a multiple of
the baseline's slowest test plus a smaller floor (``per_test_limit``, enforced by
``detect.hangguard``), so a candidate that makes a test loop forever costs seconds, not the configured maximum.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from selfheal_local.project import Project
from selfheal_local.types import TestReport


def validation_timeout(project: Project, baseline: TestReport | None) -> float:
    """Seconds one test run of a candidate may take: a multiple of the baseline suite's own
    time plus a floor, never more than ``test_timeout_s``."""
    config = project.config
    if baseline is None or baseline.timed_out or baseline.elapsed_s <= 0:
        return config.test_timeout_s
    derived = config.validate_timeout_factor * baseline.elapsed_s + config.validate_timeout_floor_s
    return min(config.test_timeout_s, derived)


def per_test_limit(project: Project, baseline: TestReport | None) -> float | None:
    """Seconds one test of a candidate may take (``hangguard``): a multiple of the baseline's
    slowest test plus ``validate_test_floor_s``, never more than ``test_case_timeout_s`` (None:
    no per-test limit, the run's own decides). The floor is the suite's own, smaller: when the
    bug makes tests hang, every candidate that does not fix it costs this limit."""
    from selfheal_local.detect.hangguard import derived_limit

    config = project.config
    cap = config.test_case_limit()
    return cap if baseline is None or cap is None else derived_limit(
        ((o.duration_s, o.exception_type) for o in baseline.outcomes),
        config.validate_timeout_factor, config.validate_test_floor_s, cap)


XDIST_ABOVE_S = 20.0
XDIST_MIN_TESTS = 50
"""A suite this slow and this large runs its final, whole-suite stage under pytest-xdist."""


def xdist_args(project: Project, baseline: TestReport | None) -> tuple[str, ...]:
    """``-n N`` for the whole-suite stage of a large, slow suite: the cores shared by the
    candidates validated at once; () when small, not pytest, or xdist is not installed."""
    from selfheal_local.detect.tests import is_pytest

    config = project.config
    argv = config.test_argv(project.root)
    if (baseline is None or baseline.elapsed_s < XDIST_ABOVE_S
            or len(baseline.outcomes) < XDIST_MIN_TESTS or not is_pytest(argv)):
        return ()
    # only the interpreter we run in can be asked cheaply whether it has xdist
    if argv[0] != sys.executable or importlib.util.find_spec("xdist") is None:
        return ()
    share = (os.cpu_count() or 1) // max(1, config.workers())
    return ("-n", str(share)) if share >= 2 else ()


__all__ = ["per_test_limit", "validation_timeout", "xdist_args"]
