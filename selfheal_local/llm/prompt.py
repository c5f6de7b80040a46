"""Training examples in the exact shape the model is served.

An adapter learns from accepted fixes; it must see at training time the prompt
``llm.source.build_messages`` sends at heal time, and learn to answer in the format that prompt
asks for (the whole corrected function in one fenced block, or SEARCH/REPLACE blocks).
``training_messages`` builds both from an accepted patch and checks the round trip: the answer,
parsed the way a served answer is, must reproduce the accepted fix exactly.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field

from selfheal_local.llm.context import retarget
from selfheal_local.llm.parse import answer_to_edits
from selfheal_local.llm.source import build_messages, target_file
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis, Patch


@dataclass
class BeforeView:
    """The project as it was before the patch (what the model saw): the edited files' old
    texts over ``rest``, the project as it is now (its other files did not change)."""

    texts: dict[str, str]
    python_files: list[str] = field(default_factory=list)
    rest: Project | None = None

    def read(self, rel: str) -> str:
        if rel in self.texts:
            return self.texts[rel]
        if self.rest is None:
            raise OSError(f"{rel} is not part of the recorded fix")
        return self.rest.read(rel)


def _function_text(text: str, qualname: str) -> str | None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    parts = qualname.split(".")
    nodes: list[ast.AST] = list(tree.body)
    found = None
    for part in parts:
        found = next((n for n in nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef |
                                                     ast.ClassDef) and n.name == part), None)
        if found is None:
            return None
        nodes = list(getattr(found, "body", []))
    if not isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    start = min([found.lineno] + [d.lineno for d in found.decorator_list])
    lines = text.splitlines(keepends=True)
    return "".join(lines[start - 1 : found.end_lineno])


def _search_replace(before: str, after: str) -> str:
    """SEARCH/REPLACE blocks (one line of context each side) turning ``before`` into ``after``."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    blocks = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        lo, hi = max(0, i1 - 1), min(len(a), i2 + 1)
        new = a[lo:i1] + b[j1:j2] + a[i2:hi]
        blocks.append("<<<<<<< SEARCH\n" + "".join(a[lo:hi]).rstrip("\n") + "\n=======\n"
                      + "".join(new).rstrip("\n") + "\n>>>>>>> REPLACE")
    return "\n".join(blocks)


def expected_answer(diagnosis: Diagnosis, patch: Patch) -> str | None:
    """What the served prompt asks the model to answer for this accepted fix."""
    rel = target_file(diagnosis)
    edits = {e.path: e for e in patch.edits}
    if set(edits) != {rel}:
        return None  # a fix in several files cannot be expressed as one served answer
    edit = edits[rel]
    if diagnosis.function:
        before_fn = _function_text(edit.before, diagnosis.function)
        after_fn = _function_text(edit.after, diagnosis.function)
        if before_fn is not None and after_fn is not None and \
                edit.before.replace(before_fn, after_fn, 1) == edit.after:
            return f"```python\n{after_fn.rstrip()}\n```"
    return _search_replace(edit.before, edit.after)


def training_messages(
    diagnosis: Diagnosis, patch: Patch, project: Project | None = None
) -> list[dict[str, str]] | None:
    """[system, user, assistant] as served at heal time, or None when the fix cannot be
    expressed as a served answer (then the pair trains nothing rather than something wrong).

    ``project`` (the project the fix was made in) supplies what the prompt shows beyond the
    edited files: the failing tests' source, the functions on the failing path, signatures."""
    files = list(dict.fromkeys([*(project.python_files if project else []),
                                *(e.path for e in patch.edits)]))
    before = BeforeView({e.path: e.before for e in patch.edits}, files, project)
    diagnosis = retarget(diagnosis, before)  # type: ignore[arg-type]
    answer = expected_answer(diagnosis, patch)
    if answer is None:
        return None
    messages = build_messages(diagnosis, before)  # type: ignore[arg-type]
    try:
        round_trip = answer_to_edits(answer, diagnosis, before)  # type: ignore[arg-type]
    except Exception:
        return None
    if {e.path: e.after for e in patch.edits} != {k: v for k, v in round_trip.items() if k in
                                                  {e.path for e in patch.edits}}:
        return None
    return [*messages, {"role": "assistant", "content": answer}]
