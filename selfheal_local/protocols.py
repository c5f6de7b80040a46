"""What the heal loop needs from its parts, declared where it is consumed.

``sandbox`` and ``models`` satisfy these structurally and import nothing from here;
the wiring happens in one place (``selfheal_local.factory``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .project import Project
    from .types import Diagnosis, Patch, Verdict


class RunOutcome(Protocol):
    """The result of one command run under limits (``sandbox.RunResult`` satisfies it)."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    elapsed_s: float


@runtime_checkable
class Sandbox(Protocol):
    """Throwaway copies of a project and commands run inside them under limits."""

    @property
    def isolation(self) -> str:
        """bwrap | unshare | none: how strongly commands are cut off from the network."""

    def workspace(
        self, project_root: Path, overrides: Mapping[str, str] | None = None
    ) -> AbstractContextManager[Path]:
        """A fresh copy of the project with ``overrides`` (relative path -> text) written in."""

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout_s: float | None = None,
        env: Mapping[str, str] | None = None,
    ) -> RunOutcome:
        """Run argv in ``cwd`` with the sandbox's limits; never raises for a failing command."""


@runtime_checkable
class Engine(Protocol):
    """A chat model with LoRA adapters selectable per request (vLLM server or embedded)."""

    def complete(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        adapter: str | None = None,
        n: int = 1,
        temperature: float = 0.0,
        max_tokens: int = 1024,
    ) -> list[str]: ...

    def load_adapter(self, name: str, path: str) -> None: ...

    def unload_adapter(self, name: str) -> None: ...

    def adapters(self) -> list[str]: ...

    def health(self) -> dict[str, Any]: ...


class CandidateSource(Protocol):
    """One way of proposing fixes: ruff, rules, memory replay, mutation search, the model."""

    name: str

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterable[Patch]: ...


class Memory(Protocol):
    """Past fixes: what the loop records after a heal and recalls before proposing."""

    def recall(self, diagnosis: Diagnosis, k: int = 5) -> list[dict[str, Any]]: ...

    def record_success(
        self, diagnosis: Diagnosis, patch: Patch, verdict: Verdict, *, accepted_by: str
    ) -> None: ...

    def record_failure(self, diagnosis: Diagnosis, patch: Patch, reason: str) -> None: ...
