"""Proving candidates: what an edit may touch (policy), which tests exercise a change (evidence),
the staged sandbox validation (validator) and batches that stop at the first proof (batch)."""

from .batch import first_proved
from .evidence import TestCoverage
from .policy import check_patch
from .validator import Validation, Validator

__all__ = ["TestCoverage", "Validation", "Validator", "check_patch", "first_proved"]
