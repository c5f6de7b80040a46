"""The heal loop: detect → analyze → propose → validate → select → apply → re-scan.

``healer`` holds the loop and its propose/validate steps, ``applying`` the steps that write
(apply, reject, undo), ``outcome`` the values they report (events, fix outcomes).
"""

from .healer import Healer
from .outcome import Cancelled, Event, FixOutcome

__all__ = ["Cancelled", "Event", "FixOutcome", "Healer"]
