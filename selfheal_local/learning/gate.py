"""The evaluation gate of the nightly round: does an adapter fix the held-back pairs?

A gate is any callable ``(served_adapter_name_or_None, heldout_record) -> (validated, why)``.
``HeldoutGate`` is the real one: it asks the engine for a fix with exactly the prompt the
adapter was trained on, then proves the answer in the sandbox — the answer replaces the
broken function in a throwaway copy of the pair's project and the pair's failing tests must
pass. When the pair's project is no longer on disk, the answer must be the accepted fix
(same syntax tree) instead.
"""

from __future__ import annotations

import ast
import logging
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selfheal_local.protocols import Engine, Sandbox

log = logging.getLogger(__name__)

Gate = Callable[[str | None, Mapping[str, Any]], tuple[bool, str]]
"""(served adapter name or None for the base, held-back record) -> (validated, why)."""

_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL)


def extract_code(answer: str) -> str:
    """The code of a model answer: the first fenced block, else the whole text."""
    match = _FENCE.search(answer)
    return (match.group(1) if match else answer).strip("\n")


def same_code(a: str, b: str) -> bool:
    """Whether two snippets parse to the same syntax tree (formatting and comments aside)."""
    try:
        return ast.dump(ast.parse(a.strip())) == ast.dump(ast.parse(b.strip()))
    except SyntaxError:
        return False


@dataclass
class GateResult:
    """One adapter's score on the held-back pairs."""

    adapter: str | None
    validated: int = 0
    total: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.validated / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "adapter": self.adapter,
            "validated": self.validated,
            "total": self.total,
            "rate": round(self.rate, 4),
            "details": self.details,
        }


class HeldoutGate:
    """Engine answer for the held-back prompt, validated by the pair's tests in the sandbox."""

    def __init__(
        self,
        engine: Engine,
        sandbox: Sandbox | None = None,
        *,
        max_tokens: int = 512,
        timeout_s: float = 120.0,
        python: str = "",
    ) -> None:
        self.engine = engine
        self.sandbox = sandbox
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.python = python or sys.executable

    def __call__(self, adapter: str | None, record: Mapping[str, Any]) -> tuple[bool, str]:
        messages = [dict(m) for m in record["messages"][:-1]]
        accepted = str(record["messages"][-1]["content"])
        # a fix far longer than the accepted one is not a fix: do not wait for it (a token
        # is at least a character, so this allows about twice the accepted fix's tokens)
        budget = min(self.max_tokens, 64 + len(accepted))
        answer = self.engine.complete(
            messages, adapter=adapter, n=1, temperature=0.0, max_tokens=budget
        )[0]
        meta = record.get("metadata") or {}
        project = Path(str(meta.get("project_root") or meta.get("project") or ""))
        if self.sandbox is not None and meta.get("files_before") and meta.get("diagnosis") \
                and project.is_dir():
            return self._validate_as_heal(project, meta, answer)
        code = extract_code(answer)
        try:
            ast.parse(code)
        except SyntaxError as exc:
            return False, f"answer does not parse ({exc.msg}, line {exc.lineno})"
        if self.sandbox is not None and meta.get("project") and project.is_dir():
            return self._validate_in_sandbox(project, meta, code)
        if same_code(code, accepted):
            return True, "same as the accepted fix (its project is not on disk to test)"
        return False, "differs from the accepted fix (its project is not on disk to test)"

    def _validate_as_heal(self, project: Path, meta: Mapping[str, Any], answer: str
                          ) -> tuple[bool, str]:
        """The heal path: parse the answer as a served answer over the files as they were
        before the accepted fix, then run the pair's tests on that in the sandbox."""
        from selfheal_local.llm.parse import answer_to_edits
        from selfheal_local.llm.prompt import BeforeView
        from selfheal_local.types import Diagnosis

        before = {str(k): str(v) for k, v in dict(meta["files_before"]).items()}
        diagnosis = Diagnosis.from_dict(dict(meta["diagnosis"]))
        edits = answer_to_edits(answer, diagnosis, BeforeView(before, list(before)))
        if not edits:
            return False, "the answer could not be turned into an edit of the file"
        return self._run_tests(project, meta, {**before, **edits},
                               "the answer, applied as a heal would, passes the pair's tests "
                               "in the sandbox")

    def _run_tests(
        self, project: Path, meta: Mapping[str, Any], files: Mapping[str, str], passed: str
    ) -> tuple[bool, str]:
        """The pair's tests over ``project`` with ``files`` written in, in the sandbox."""
        tests = [str(t) for t in meta.get("test_ids") or ()]
        argv = [self.python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
        assert self.sandbox is not None
        with self.sandbox.workspace(project, dict(files)) as work:
            outcome = self.sandbox.run(argv, cwd=work, timeout_s=self.timeout_s)
        if outcome.timed_out:
            return False, "the tests timed out"
        if outcome.returncode != 0:
            tail = (outcome.stdout or outcome.stderr).strip().splitlines()[-1:] or [""]
            return False, f"the tests fail: {tail[0][:200]}"
        return True, passed

    def _validate_in_sandbox(
        self, project: Path, meta: Mapping[str, Any], code: str
    ) -> tuple[bool, str]:
        rel = str(meta.get("file") or "")
        before = str(meta.get("function_before") or "")
        source = project / rel
        if not rel or not before or not source.is_file():
            return False, "the pair does not say which file and function it fixed"
        text = source.read_text(encoding="utf-8")
        if before.strip() not in text:
            return False, f"{rel} no longer contains the broken function"
        patched = text.replace(before.strip(), code.strip(), 1)
        return self._run_tests(project, meta, {rel: patched}, "the pair's tests pass in the sandbox")


def evaluate(gate: Gate, adapter: str | None, records: Sequence[Mapping[str, Any]]) -> GateResult:
    """Run ``gate`` for ``adapter`` over the held-back ``records``."""
    result = GateResult(adapter=adapter)
    for record in records:
        try:
            ok, why = gate(adapter, record)
        except Exception as exc:  # one bad pair (engine error, sandbox trouble) is a failure
            log.warning("gate error on %s: %s", record.get("id", "?"), exc)
            ok, why = False, f"gate error: {exc}"
        result.total += 1
        result.validated += int(ok)
        result.details.append({"id": record.get("id", ""), "validated": ok, "why": why})
    return result


def decide(candidate: GateResult, current: GateResult | None, floor: float) -> tuple[bool, str]:
    """Promote when at least as good as the current adapter (first adapter: at least ``floor``)."""
    if candidate.total == 0:
        return False, "no held-back pairs to evaluate on"
    if current is None:
        if candidate.rate >= floor and candidate.validated > 0:
            return True, f"first adapter: validated {candidate.rate:.0%} >= floor {floor:.0%}"
        return False, f"first adapter: validated {candidate.rate:.0%} < floor {floor:.0%}"
    if candidate.rate >= current.rate and candidate.validated > 0:
        return True, (
            f"validated {candidate.rate:.0%} >= {current.rate:.0%} of current {current.adapter}"
        )
    return False, (
        f"validated {candidate.rate:.0%} < {current.rate:.0%} of current {current.adapter}"
        if candidate.rate < current.rate
        else "validated nothing on the held-back pairs"
    )


__all__ = ["Gate", "GateResult", "HeldoutGate", "decide", "evaluate", "extract_code", "same_code"]
