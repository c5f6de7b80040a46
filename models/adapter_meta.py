"""Adapter metadata, priorities and how error types map to the taxonomy's patterns."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

GENERAL = frozenset({"general", "*"})

EXCEPTION_PATTERNS: dict[str, str] = {
    "NameError": "undefined_variable",
    "UnboundLocalError": "undefined_variable",
    "AttributeError": "attribute_error",
    "TypeError": "type_error",
    "ModuleNotFoundError": "import_error",
    "ImportError": "import_error",
    "SyntaxError": "syntax_error",
    "IndentationError": "syntax_error",
    "TabError": "syntax_error",
    "IndexError": "index_error",
    "KeyError": "key_error",
    "ValueError": "value_error",
    "ZeroDivisionError": "zero_division_error",
    "FileNotFoundError": "file_not_found_error",
    "PermissionError": "permission_error",
    "TimeoutError": "timeout_error",
    "TimeoutExpired": "timeout_error",
    "MemoryError": "memory_error",
    "RecursionError": "recursion_error",
    "AssertionError": "assertion_error",
    "NotImplementedError": "not_implemented_error",
    "RuntimeError": "runtime_error",
    "JSONDecodeError": "value_error",
}
"""A copy of ``selfheal_local.analyze.EXCEPTION_PATTERNS`` (``models`` imports nothing in-repo);
``tests/test_analyze.py`` asserts the two are equal."""


def normalize_error_type(error_type: str) -> str:
    """A pattern for ``error_type``: a pattern stays, ``NameError`` -> ``undefined_variable``."""
    text = error_type.strip()
    if text in EXCEPTION_PATTERNS:
        return EXCEPTION_PATTERNS[text]
    if text.lower() in GENERAL:
        return text.lower()
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*", text):  # an exception name we have no entry for
        return re.sub(r"(?<!^)(?=[A-Z])", "_", text).lower()
    return text.lower()


class AdapterPriority(StrEnum):
    """Priority of an adapter."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


_PRIORITY_RANK = {AdapterPriority.LOW: 0, AdapterPriority.MEDIUM: 1, AdapterPriority.HIGH: 2}


@dataclass
class AdapterMetadata:
    """What is known about an adapter (Saplings' fields plus validation counts)."""

    adapter_id: str
    model_name: str = ""
    description: str = ""
    version: str = "1.0.0"
    created_at: str = ""
    success_rate: float = 0.0
    priority: AdapterPriority = AdapterPriority.MEDIUM
    error_types: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    trials: int = 0
    """Validations of this adapter's patches in the sandbox."""
    successes: int = 0

    def __post_init__(self) -> None:
        self.priority = AdapterPriority(self.priority)
        self.error_types = list(self.error_types)
        self.tags = list(self.tags)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["priority"] = self.priority.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AdapterMetadata:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.\-+]", version))


@dataclass
class Adapter:
    """A registered adapter: its directory, metadata, rank and whether routing may use it."""

    path: str
    metadata: AdapterMetadata
    rank: int = 0
    base_model: str = ""
    enabled: bool = True

    @property
    def adapter_id(self) -> str:
        return self.metadata.adapter_id

    @property
    def patterns(self) -> frozenset[str]:
        return frozenset(normalize_error_type(t) for t in self.metadata.error_types)

    @property
    def served_name(self) -> str:
        """The name engines know it by: new directory, new name (vLLM never reloads in place)."""
        digest = hashlib.sha1(str(Path(self.path).resolve()).encode()).hexdigest()[:8]
        return f"{self.adapter_id}-{digest}"

    def rank_key(self, pinned: bool) -> tuple[Any, ...]:
        meta = self.metadata
        return (
            pinned,
            _PRIORITY_RANK[meta.priority],
            meta.success_rate,
            _version_key(meta.version),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rank": self.rank,
            "base_model": self.base_model,
            "enabled": self.enabled,
            "metadata": self.metadata.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Adapter:
        return cls(
            path=str(data["path"]),
            metadata=AdapterMetadata.from_dict(data["metadata"]),
            rank=int(data.get("rank", 0)),
            base_model=str(data.get("base_model", "")),
            enabled=bool(data.get("enabled", True)),
        )


__all__ = [
    "Adapter",
    "AdapterMetadata",
    "AdapterPriority",
    "EXCEPTION_PATTERNS",
    "GENERAL",
    "normalize_error_type",
]
