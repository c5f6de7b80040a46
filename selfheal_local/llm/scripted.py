"""``ScriptedEngine``: a small real Engine that answers from a script, with no model.

Like mini-swe-agent's ``DeterministicModel``: tests drive the real heal loop, sandbox and
parsers through it, and ``engine = "scripted"`` with ``model = FILE`` (a JSON list of answers)
lets a person try the model path of the TUI or ``heal`` on a machine without a model.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selfheal_local.errors import ConfigError

Messages = Sequence[Mapping[str, str]]


@dataclass(frozen=True)
class Request:
    """One ``complete`` call, as the engine received it."""

    messages: list[dict[str, str]]
    adapter: str | None
    n: int
    temperature: float
    max_tokens: int


class ScriptedEngine:
    """Answers from ``script``: a list used in order (then ``fallback``) or ``script(messages)``.

    Every request is kept in ``requests``; adapters are names only (loading one reads nothing).
    """

    def __init__(
        self,
        script: Sequence[str] | Callable[[Messages], str] = (),
        *,
        fallback: str = "no idea",
    ) -> None:
        self._answer = script if callable(script) else None
        self.answers: list[str] = [] if callable(script) else list(script)
        self.fallback = fallback
        self.requests: list[Request] = []
        self._adapters: dict[str, str] = {}

    @classmethod
    def always(cls, answer: str) -> ScriptedEngine:
        """An engine that gives the same answer to every request."""
        return cls(lambda _messages: answer)

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedEngine:
        """Answers from a JSON file holding a list of strings (``engine = "scripted"``)."""
        path = Path(path).expanduser()
        try:
            answers = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(
                f"scripted engine: cannot read answers from {path} ({exc}); give model = a JSON "
                "file holding a list of answer strings"
            ) from exc
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            raise ConfigError(f"scripted engine: {path} must hold a JSON list of answer strings")
        return cls(answers)

    def complete(
        self,
        messages: Messages,
        *,
        adapter: str | None = None,
        n: int = 1,
        temperature: float = 0.0,
        max_tokens: int = 1024,
    ) -> list[str]:
        self.requests.append(Request([dict(m) for m in messages], adapter, n, temperature,
                                     max_tokens))
        return [self._next(messages) for _ in range(n)]

    def _next(self, messages: Messages) -> str:
        if self._answer is not None:
            return self._answer(messages)
        return self.answers.pop(0) if self.answers else self.fallback

    def load_adapter(self, name: str, path: str) -> None:
        self._adapters[name] = str(path)

    def unload_adapter(self, name: str) -> None:
        self._adapters.pop(name, None)

    def adapters(self) -> list[str]:
        return sorted(self._adapters)

    def health(self) -> dict[str, Any]:
        return {"ok": True, "engine": "scripted", "adapters": self.adapters(),
                "answers_left": len(self.answers)}


__all__ = ["Request", "ScriptedEngine"]
