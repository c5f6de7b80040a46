"""Model patches: prompt the engine with the diagnosis, parse its answer into a patch.

The adapter for the diagnosis' pattern is chosen per request by the adapter registry. The
answer is untrusted text: it becomes whole-file edits of files inside the project only, and
is never run outside the sandbox. ``revise`` feeds failed candidates back (self-correction).
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable, Sequence
from typing import Any

from selfheal_local.fixers.base import enclosing_region, make_patch
from selfheal_local.llm.context import (
    Section,
    TokenCounter,
    fit_sections,
    gather_note,
    past_fix_sections,
    ranking_of,
    retarget,
    signatures,
    suspicious_functions,
    test_sources,
)
from selfheal_local.llm.parse import answer_to_edits
from selfheal_local.llm.vet import flag_risky
from selfheal_local.project import Project
from selfheal_local.protocols import Engine, SourceBase
from selfheal_local.types import Diagnosis, Patch, Verdict

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are a careful Python engineer who fixes bugs with the smallest correct change. "
    "The project's tests are the judge: make the failing test pass without breaking others. "
    "Never edit the tests."
)
MAX_OUTPUT_CHARS = 3000
FEEDBACK_RESERVE = 512
"""Tokens kept free in the context for the self-correction rounds' feedback."""


def _tail(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else "...\n" + text[-limit:]


def target_file(diagnosis: Diagnosis) -> str:
    return diagnosis.file or diagnosis.finding.file


def function_source(diagnosis: Diagnosis, text: str) -> tuple[str, tuple[int, int]]:
    """The enclosing function's text and 1-based span (the whole file at module level)."""
    start, end = diagnosis.function_span
    if not (start and end):
        start, end = enclosing_region(text, diagnosis.line or 1)
    lines = text.splitlines(keepends=True)
    return "".join(lines[start - 1 : end]), (start, end)


def import_lines(text: str) -> str:
    """The file's top-level import statements, as written."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return "\n".join(ln for ln in text.splitlines() if ln.startswith(("import ", "from ")))
    lines = text.splitlines()
    out = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.extend(lines[node.lineno - 1 : (node.end_lineno or node.lineno)])
    return "\n".join(out)


def _message_sections(
    diagnosis: Diagnosis, project: Project, past: Sequence[Any] = (),
    ranking: Sequence[tuple[str, int, float]] = (),
) -> list[Section]:
    """Every section a person would look at, in prompt order (see ``llm.context``)."""
    rel = target_file(diagnosis)
    text = project.read(rel) if rel else ""
    func, (start, end) = function_source(diagnosis, text) if text else ("", (0, 0))
    name = diagnosis.function.rsplit(".", 1)[-1] if diagnosis.function else ""
    where = f"{rel}, line {diagnosis.line}" + (
        f", in function {diagnosis.function}" if name else ""
    )
    task = [
        "Fix this Python error so that the failing tests pass.",
        f"Error pattern: {diagnosis.pattern}",
        f"Exception: {diagnosis.exception_type}: {diagnosis.message}",
    ]
    if diagnosis.name:
        task.append(f"Name involved: {diagnosis.name}")
    task.append(f"Location: {where}")
    sections = [Section("task", t) for t in task]
    imports = import_lines(text)
    if imports:
        sections.append(Section("imports", f"Imports of {rel}:\n```python\n{imports}\n```"))
    label = f"The function `{name}` (lines {start}-{end})" if name else f"The file {rel}"
    sections.append(Section("target", f"{label}:\n```python\n{func.rstrip()}\n```"))
    for test_id, source in test_sources(diagnosis, project):
        sections.append(Section("test_source", f"The failing test `{test_id}` (what is expected):"
                                               f"\n```python\n{source}\n```"))
    for file, qualname, source in suspicious_functions(diagnosis, project, ranking):
        sections.append(Section("suspicious", f"Also on the failing path, `{qualname}` in {file}:"
                                              f"\n```python\n{source}\n```"))
    sigs = signatures(func, project, exclude=(name,)) if func and name else []
    if sigs:
        body = "\n\n".join(sigs)
        sections.append(Section("signature", f"Signatures of what it calls:\n```python\n{body}\n```"))
    output = diagnosis.finding.traceback
    if output:
        sections.append(Section("test_output", f"Failing test output:\n```\n"
                                               f"{_tail(output, MAX_OUTPUT_CHARS)}\n```"))
    sections.extend(past_fix_sections(past, _tail))
    if name:
        ask = (
            f"Answer with the whole corrected function `{name}` in one ```python fenced block "
            "and nothing else. If the fix belongs outside the function, answer instead with "
            "SEARCH/REPLACE blocks:\n<<<<<<< SEARCH\nexact old lines\n=======\nnew lines\n"
            ">>>>>>> REPLACE"
        )
    else:
        ask = (
            "Answer with SEARCH/REPLACE blocks (<<<<<<< SEARCH / ======= / >>>>>>> REPLACE) "
            "or with the whole corrected file in one ```python fenced block."
        )
    sections.append(Section("ask", ask))
    return sections


def _as_messages(sections: Sequence[Section]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n\n".join(s.text for s in sections)},
    ]


def build_messages(
    diagnosis: Diagnosis,
    project: Project,
    past: Sequence[Any] = (),
    *,
    ranking: Sequence[tuple[str, int, float]] = (),
    budget: int | None = None,
    count_tokens: Callable[[list[dict[str, str]]], int] | None = None,
) -> list[dict[str, str]]:
    """The system and user messages for one diagnosis, cut to ``budget`` tokens when given
    (counted by ``count_tokens``, the model's own tokenizer) in ``llm.context.CUT_ORDER``."""
    sections = _message_sections(diagnosis, project, past, ranking or ranking_of(diagnosis))
    if budget is not None and count_tokens is not None:
        sections = fit_sections(sections, budget, lambda s: count_tokens(_as_messages(s)))
    log.debug("model prompt sections: %s", gather_note(sections))
    return _as_messages(sections)


def feedback_message(failures: Sequence[tuple[Patch, Verdict]], unparsed: int = 0) -> str:
    """What went wrong with the previous answers, for the self-correction round."""
    lines = ["Your previous answer did not fix the error."]
    for _patch, verdict in list(failures)[-3:]:
        lines.append(f"A candidate failed the {verdict.stage} check: {verdict.reason or 'failed'}.")
        if verdict.newly_failing:
            lines.append("It broke tests that passed before: " + ", ".join(verdict.newly_failing))
        if verdict.output:
            lines.append(f"Output:\n```\n{_tail(verdict.output, 1500)}\n```")
    if unparsed:
        lines.append(f"{unparsed} answer(s) could not be turned into an edit of the file.")
    lines.append("Try a different fix. Answer in the same format as before.")
    return "\n".join(lines)


class ModelSource(SourceBase):
    """Candidate source backed by an engine and, optionally, the adapter registry."""

    name = "model"
    needs_localization = True

    def __init__(
        self,
        engine: Engine,
        *,
        adapters: Any | None = None,
        memory: Any | None = None,
        samples: int = 3,
        max_tokens: int = 1024,
        recall_k: int = 3,
        temperature: float = 0.7,
    ) -> None:
        self.engine = engine
        self.adapters = adapters
        self.memory = memory
        self.samples = max(1, samples)
        self.max_tokens = max_tokens
        self.recall_k = recall_k
        self.temperature = temperature
        self._conversations: dict[str, list[dict[str, str]]] = {}
        self._unparsed: dict[str, int] = {}

    def _recall(self, diagnosis: Diagnosis) -> list[Any]:
        if self.memory is None or self.recall_k <= 0:
            return []
        try:
            found = self.memory.recall(diagnosis, self.recall_k)
        except Exception as exc:  # memory trouble never stops the model
            log.warning("memory recall failed: %s", exc)
            return []
        return list(found or [])[: self.recall_k]

    def _adapter_for(self, pattern: str) -> tuple[str | None, str | None]:
        """(registry id, engine name) of the adapter routed for ``pattern``; (None, None): base."""
        if self.adapters is None:
            return None, None
        adapter = self.adapters.route(pattern)
        if adapter is None:
            return None, None
        try:
            served = self.adapters.ensure_loaded(adapter, self.engine)
        except Exception as exc:  # an adapter the engine refuses: fall back to the base
            log.warning("adapter %s unusable, using the base: %s", adapter.adapter_id, exc)
            return None, None
        return adapter.adapter_id, served

    def _messages(self, diagnosis: Diagnosis, project: Project) -> list[dict[str, str]]:
        """The prompt, fitted to the served context when the engine can count its tokens
        (room is kept for the answer and for ``max_retries`` rounds of feedback)."""
        budget = count = None
        if isinstance(self.engine, TokenCounter):
            try:
                limit = self.engine.context_length()
            except Exception as exc:  # a model that cannot say: send the prompt uncut
                log.debug("no context length from the engine: %s", exc)
                limit = None
            if limit:
                budget = max(256, limit - self.max_tokens - FEEDBACK_RESERVE)
                count = self.engine.count_tokens
        return build_messages(diagnosis, project, self._recall(diagnosis),
                              ranking=ranking_of(diagnosis), budget=budget, count_tokens=count)

    def _ask(self, diagnosis: Diagnosis, project: Project, messages: list[dict[str, str]]):
        adapter_id, served = self._adapter_for(diagnosis.pattern)
        answers = self.engine.complete(
            messages, adapter=served, n=1, temperature=0.0, max_tokens=self.max_tokens
        )
        if self.samples > 1:
            answers += self.engine.complete(
                messages,
                adapter=served,
                n=self.samples - 1,
                temperature=self.temperature,
                max_tokens=self.max_tokens,
            )
        patches: list[Patch] = []
        seen: set[str] = set()
        unparsed = 0
        for i, answer in enumerate(answers):
            edits = answer_to_edits(answer, diagnosis, project)
            patch = None
            if edits:
                how = "greedy" if i == 0 else f"sample {i}"
                via = f"adapter {adapter_id}" if adapter_id else "base model"
                patch = make_patch(
                    diagnosis,
                    project,
                    edits,
                    f"model fix ({via}, {how})",
                    confidence=0.6 if i == 0 else 0.5,
                    source="model",
                    adapter=adapter_id,
                )
            if patch is None:
                unparsed += 1
                continue
            flag_risky(patch)  # new process/file/network/exec powers: never applied unseen
            if patch.diff not in seen:
                seen.add(patch.diff)
                patches.append(patch)
        key = diagnosis.finding.id
        self._conversations[key] = [*messages, {"role": "assistant", "content": answers[0]}]
        self._unparsed[key] = unparsed
        log.info("model: %d answer(s), %d patch(es), adapter %s", len(answers), len(patches),
                 adapter_id or "none")  # fmt: skip
        return patches

    def propose(self, diagnosis: Diagnosis, project: Project) -> list[Patch]:
        """Candidates from the model for ``diagnosis`` (first greedy, then samples)."""
        diagnosis = retarget(diagnosis, project)
        if not target_file(diagnosis):
            return []
        messages = self._messages(diagnosis, project)
        return self._ask(diagnosis, project, messages)

    def revise(
        self,
        diagnosis: Diagnosis,
        project: Project,
        failures: Sequence[tuple[Patch, Verdict]],
    ) -> list[Patch]:
        """A self-correction round: the failures go back to the model with the conversation."""
        diagnosis = retarget(diagnosis, project)
        if not target_file(diagnosis):
            return []
        key = diagnosis.finding.id
        conversation = self._conversations.get(key)
        if conversation is None:
            conversation = self._messages(diagnosis, project)
        failed = [(p, v) for p, v in failures if not v.passed]
        note = feedback_message(failed, self._unparsed.get(key, 0))
        if conversation[-1]["role"] != "assistant":
            conversation = [*conversation, {"role": "assistant", "content": "(no answer)"}]
        return self._ask(diagnosis, project, [*conversation, {"role": "user", "content": note}])

    def record_outcome(self, patch: Patch, verdict: Verdict) -> None:
        """Feed a validation outcome to the adapter registry's success rates."""
        if self.adapters is not None and patch.adapter:
            self.adapters.record_outcome(patch.adapter, verdict.passed)


__all__ = ["ModelSource", "build_messages", "feedback_message", "SYSTEM_PROMPT"]
