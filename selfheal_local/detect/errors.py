"""Errors of the detectors (subclasses of the package's root error)."""

from __future__ import annotations

from selfheal_local.errors import SelfHealError


class DetectionError(SelfHealError):
    """A detector (ruff, the test runner) could not run at all; the message says why."""


__all__ = ["DetectionError"]
