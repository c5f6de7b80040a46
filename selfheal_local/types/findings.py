"""Domain values that cross package lines: findings, diagnoses and patches.

Everything here is a plain dataclass with ``to_dict``/``from_dict`` for the JSON edge.
``Patch`` is the one mutable value: the Saplings-compatible API sets ``patch.status`` in place.
"""

from __future__ import annotations

import difflib
import hashlib
import uuid
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar, Self

PATTERNS: tuple[str, ...] = (
    "undefined_variable",
    "attribute_error",
    "type_error",
    "import_error",
    "syntax_error",
    "index_error",
    "key_error",
    "value_error",
    "zero_division_error",
    "file_not_found_error",
    "permission_error",
    "timeout_error",
    "memory_error",
    "recursion_error",
    "assertion_error",
    "not_implemented_error",
    "runtime_error",
    "exception",
    "lint",
)
"""The error taxonomy of DESIGN.md: every finding is classified into exactly one of these."""

SOURCES: tuple[str, ...] = ("ruff", "rule", "memory", "search", "model")
"""Where a candidate patch came from, cheapest first."""


class FindingSource(StrEnum):
    RUFF = "ruff"
    SYNTAX = "syntax"
    TEST = "test"
    TRACEBACK = "traceback"


class PatchStatus(StrEnum):
    """Status of a patch (Saplings-compatible values)."""

    GENERATED = "generated"
    VALIDATED = "validated"
    APPLIED = "applied"
    FAILED = "failed"
    REJECTED = "rejected"


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})


class Record:
    """The JSON edge of a frozen dataclass: ``to_dict`` writes tuples as lists, ``from_dict``
    ignores unknown keys and rebuilds the tuples (and the records in them)."""

    _TUPLES: ClassVar[tuple[str, ...]] = ()
    """Fields holding a tuple of plain values."""
    _RECORDS: ClassVar[dict[str, type[Record]]] = {}
    """Fields holding a tuple of records, by the records' class."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in self._TUPLES:
            data[name] = list(getattr(self, name))
        for name in self._RECORDS:
            data[name] = [r.to_dict() for r in getattr(self, name)]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        data = dict(data)
        for name in cls._TUPLES:
            data[name] = tuple(data.get(name, ()))
        for name, kind in cls._RECORDS.items():
            data[name] = tuple(kind.from_dict(d) for d in data.get(name, ()))
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Frame(Record):
    """One traceback frame; ``file`` is project-relative (posix) when inside the project."""

    file: str
    line: int
    function: str
    code: str = ""
    in_project: bool = True


@dataclass(frozen=True)
class Finding(Record):
    """Something broken in a project, as a detector reported it."""

    source: str
    """ruff | syntax | test | traceback"""
    file: str
    """Project-relative posix path of the file to fix ("" when unknown)."""
    line: int
    """1-based line, 0 when unknown."""
    code: str
    """ruff rule code (``F821``), exception type (``NameError``) or ``SyntaxError``."""
    message: str
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    traceback: str = ""
    """Full traceback / test output text, when there is one."""
    frames: tuple[Frame, ...] = ()
    """Traceback frames, outermost first."""
    test_ids: tuple[str, ...] = ()
    """Failing test node ids that show this finding."""
    fix_applicability: str = ""
    """ruff's ``fix.applicability`` (safe | unsafe | display-only), "" when ruff has no fix."""

    _TUPLES = ("test_ids",)
    _RECORDS = {"frames": Frame}

    @property
    def id(self) -> str:
        """Stable identifier: the same breakage gets the same id across scans."""
        key = f"{self.source}|{self.file}|{self.line}|{self.code}|{self.message}"
        return hashlib.sha1(key.encode()).hexdigest()[:12]

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "id": self.id}


@dataclass(frozen=True)
class Suspect(Record):
    """A statement ranked by fault localization: how strongly its execution goes with failing."""

    file: str
    """Project-relative file."""
    line: int
    """First line of the statement."""
    score: float
    """Suspiciousness in [0, 1] (Ochiai over per-test line coverage)."""
    function: str = ""
    """Qualified name of the enclosing function (``""`` at module level)."""
    at_import: bool = False
    """Run at import, before any test (so counted for every test): weaker evidence."""


@dataclass(frozen=True)
class Diagnosis:
    """A finding classified into the taxonomy, with what a fixer needs to know."""

    finding: Finding
    pattern: str
    exception_type: str
    message: str
    name: str = ""
    """The name involved: variable, attribute, module, key (``""`` when none)."""
    file: str = ""
    """Project-relative file of the frame closest to the error (where the fix most likely goes)."""
    line: int = 0
    function: str = ""
    """Qualified name of the enclosing function (``Cls.meth``), ``""`` at module level."""
    function_span: tuple[int, int] = (0, 0)
    """1-based inclusive first/last line of the enclosing function (decorators included)."""
    test_ids: tuple[str, ...] = ()
    details: dict[str, str] = field(default_factory=dict)
    """Pattern-specific extras, e.g. ``owner`` (the type an attribute was looked up on),
    ``module`` (for import errors), ``left``/``right`` operand types."""
    suspects: tuple[Suspect, ...] = ()
    """Statements ranked by fault localization, most suspicious first (empty when not localized;
    see ``selfheal_local.fixers.localize``)."""
    localized_by: str = ""
    """How ``suspects`` were found: ``coverage`` (per-test coverage, Ochiai), ``frames`` (the
    traceback walk, when coverage could not run) or ``""`` (not localized)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding.to_dict(),
            "pattern": self.pattern,
            "exception_type": self.exception_type,
            "message": self.message,
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "function": self.function,
            "function_span": list(self.function_span),
            "test_ids": list(self.test_ids),
            "details": dict(self.details),
            "suspects": [s.to_dict() for s in self.suspects],
            "localized_by": self.localized_by,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        data = dict(data)
        data["finding"] = Finding.from_dict(data["finding"])
        data["function_span"] = tuple(data.get("function_span", (0, 0)))
        data["test_ids"] = tuple(data.get("test_ids", ()))
        data["suspects"] = tuple(Suspect.from_dict(s) for s in data.get("suspects", ()))
        return _from_dict(cls, data)


@dataclass(frozen=True)
class FileEdit(Record):
    """One file's full text before and after a patch (``path`` is project-relative posix)."""

    path: str
    before: str
    after: str

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )


@dataclass
class Patch:
    """A candidate fix. Constructor order is Saplings-compatible:
    ``Patch(original_code, patched_code, error, error_info, status, metadata)``.

    For project heals ``edits`` holds the whole-file changes; ``original_code`` /
    ``patched_code`` then hold the changed region (the enclosing function) for display,
    memory and training.
    """

    original_code: str
    patched_code: str
    error: str
    error_info: dict[str, Any] = field(default_factory=dict)
    status: PatchStatus = PatchStatus.GENERATED
    metadata: dict[str, Any] = field(default_factory=dict)
    edits: tuple[FileEdit, ...] = ()
    source: str = "rule"
    """ruff | rule | memory | search | model"""
    explanation: str = ""
    """One line a person reads: ``renamed 'totl' to 'total' (closest name in scope)``."""
    confidence: float = 0.5
    pattern: str = ""
    adapter: str | None = None
    """The LoRA adapter that produced a model patch (None for the base model or non-model sources)."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def files(self) -> list[str]:
        return [e.path for e in self.edits]

    @property
    def diff(self) -> str:
        if self.edits:
            return "".join(e.diff() for e in self.edits)
        return "".join(
            difflib.unified_diff(
                self.original_code.splitlines(keepends=True),
                self.patched_code.splitlines(keepends=True),
                fromfile="a/code",
                tofile="b/code",
            )
        )

    @property
    def size(self) -> int:
        """Changed lines: the tie-breaker between candidates that all pass (smaller wins)."""
        return sum(
            1
            for line in self.diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "original_code": self.original_code,
            "patched_code": self.patched_code,
            "error": self.error,
            "error_info": dict(self.error_info),
            "status": str(PatchStatus(self.status).value),
            "metadata": dict(self.metadata),
            "edits": [e.to_dict() for e in self.edits],
            "source": self.source,
            "explanation": self.explanation,
            "confidence": self.confidence,
            "pattern": self.pattern,
            "adapter": self.adapter,
            "files": self.files,
            "diff": self.diff,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Patch:
        data = dict(data)
        data["status"] = PatchStatus(data.get("status", PatchStatus.GENERATED))
        data["edits"] = tuple(FileEdit.from_dict(e) for e in data.get("edits", ()))
        return _from_dict(cls, data)
