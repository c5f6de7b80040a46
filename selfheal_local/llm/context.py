"""What the model is shown for one diagnosis, and fitting it into the served context.

A person fixing a failing assertion looks at the test (its assertion says what is expected), the
functions the failure runs through, the signatures of what those call, and similar fixes made
before. ``gather_sections`` collects exactly that, as separate sections; ``fit_sections`` cuts
the least useful ones first until the prompt fits the model's context, counted with the model's
own tokenizer when the engine offers one.

Cut order (documented in the README and asserted by a test), least useful first:
past fixes → signatures → suspicious functions (least suspicious first) → imports →
the failing test output (its tail is kept, halving until 400 characters, then dropped) →
the failing tests' source. Never cut: the task, the location, the function to fix and the
answer format.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

from selfheal_local.errors import SelfHealError
from selfheal_local.project import Project
from selfheal_local.types import Diagnosis

log = logging.getLogger(__name__)

CUT_ORDER: tuple[str, ...] = (
    "past_fix", "signature", "suspicious", "imports", "test_output", "test_source",
)
"""Section kinds in the order they are cut when the prompt is too long."""

MIN_OUTPUT_CHARS = 400
MAX_TEST_SOURCES = 3
MAX_SUSPICIOUS = 3
MAX_SIGNATURES = 12

_FuncNode = ast.FunctionDef | ast.AsyncFunctionDef


@runtime_checkable
class TokenCounter(Protocol):
    """An engine that can count prompt tokens with its own tokenizer and knows its context."""

    def count_tokens(self, messages: Sequence[Mapping[str, str]]) -> int:
        """Tokens of the chat ``messages`` as the model will see them."""

    def context_length(self) -> int | None:
        """The model's context window in tokens, None when unknown."""


@dataclass(frozen=True)
class Section:
    """One part of the user message; ``kind`` decides when it is cut."""

    kind: str
    text: str


def _parse(project: Project, rel: str) -> ast.Module | None:
    try:
        return ast.parse(project.read(rel))
    except (OSError, SelfHealError, UnicodeDecodeError, SyntaxError, ValueError):
        return None


def _lines(project: Project, rel: str, start: int, end: int) -> str:
    try:
        lines = project.read(rel).splitlines(keepends=True)
    except (OSError, SelfHealError, UnicodeDecodeError, ValueError):
        return ""
    return "".join(lines[start - 1 : end]).rstrip()


def _span(node: ast.AST) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno] + [d.lineno for d in decorators])  # type: ignore[attr-defined]
    return start, node.end_lineno or node.lineno  # type: ignore[attr-defined]


def _functions(tree: ast.AST, prefix: str = "") -> Iterable[tuple[str, _FuncNode]]:
    """Every function and method with its qualified name, outer ones first."""
    for node in getattr(tree, "body", []):
        if isinstance(node, _FuncNode):
            yield f"{prefix}{node.name}", node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")


def _innermost_function(tree: ast.AST, line: int) -> tuple[str, _FuncNode] | None:
    best = None
    for qualname, node in _functions(tree):
        start, end = _span(node)
        if start <= line <= end and (best is None or start >= _span(best[1])[0]):
            best = (qualname, node)
    return best


def _split_test_id(test_id: str) -> tuple[str, list[str]]:
    """``tests/t.py::Cls::test_x[1-2]`` -> ("tests/t.py", ["Cls", "test_x"])."""
    path, _, rest = test_id.partition("::")
    parts = [p.split("[", 1)[0] for p in rest.split("::") if p]
    return path, parts


def test_sources(diagnosis: Diagnosis, project: Project,
                 limit: int = MAX_TEST_SOURCES) -> list[tuple[str, str]]:
    """(test id, source) of the failing tests found in the project, at most ``limit``."""
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for test_id in diagnosis.test_ids or diagnosis.finding.test_ids:
        rel, parts = _split_test_id(test_id)
        if not parts or (rel, ".".join(parts)) in seen:
            continue
        tree = _parse(project, rel)
        if tree is None:
            continue
        wanted = ".".join(parts)
        for qualname, node in _functions(tree):
            if qualname == wanted:
                seen.add((rel, wanted))
                found.append((test_id, _lines(project, rel, *_span(node))))
                break
        if len(found) >= limit:
            break
    return found


def _is_test_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or \
        "/tests/" in f"/{rel}"


def _suspicious_nodes(
    diagnosis: Diagnosis, project: Project, ranking: Sequence[tuple[str, int, float]],
    limit: int,
) -> list[tuple[str, str, tuple[int, int]]]:
    if ranking:
        points = [(f, ln) for f, ln, _score in sorted(ranking, key=lambda r: -r[2])]
    else:
        points = [(fr.file, fr.line) for fr in reversed(diagnosis.finding.frames) if fr.in_project]
    target = (diagnosis.file or diagnosis.finding.file, diagnosis.function)
    out: list[tuple[str, str, tuple[int, int]]] = []
    seen: set[tuple[str, str]] = {target}
    trees: dict[str, ast.Module | None] = {}
    for rel, line in points:
        if not rel or _is_test_file(rel):
            continue
        if rel not in trees:
            trees[rel] = _parse(project, rel)
        tree = trees[rel]
        hit = _innermost_function(tree, line) if tree is not None else None
        if hit is None or (rel, hit[0]) in seen:
            continue
        seen.add((rel, hit[0]))
        out.append((rel, hit[0], _span(hit[1])))
        if len(out) >= limit:
            break
    return out


def suspicious_functions(
    diagnosis: Diagnosis,
    project: Project,
    ranking: Sequence[tuple[str, int, float]] = (),
    limit: int = MAX_SUSPICIOUS,
) -> list[tuple[str, str, str]]:
    """(file, qualified name, source) of the functions most likely at fault, most first.

    ``ranking`` is fault localization's (file, line, score) list; without one the traceback's
    project frames stand in, innermost first. The function the prompt already shows whole and
    test code are left out.
    """
    return [(rel, qualname, _lines(project, rel, *span))
            for rel, qualname, span in _suspicious_nodes(diagnosis, project, ranking, limit)]


def ranking_of(diagnosis: Diagnosis) -> list[tuple[str, int, float]]:
    """Fault localization's ranking carried by the diagnosis, as (file, line, score); lines run
    at import (counted for every test: weaker evidence) only when nothing else ranks."""
    direct = [s for s in diagnosis.suspects if not s.at_import]
    return [(s.file, s.line, s.score) for s in direct or diagnosis.suspects]


def retarget(diagnosis: Diagnosis, project: Project) -> Diagnosis:
    """Point a diagnosis whose failing line is test code at the code under test.

    A failing assertion says what is expected; the bug is in what the test calls. The target
    becomes the most suspicious function outside the tests (fault localization's ranking, else
    the traceback's frames, else the first project function the failing tests call). Without
    one the diagnosis is returned as it is.
    """
    rel = diagnosis.file or diagnosis.finding.file
    if not rel or not _is_test_file(rel):
        return diagnosis
    found = _suspicious_nodes(diagnosis, project, ranking_of(diagnosis), 1)
    if not found:
        called: list[str] = []
        for _test_id, source in test_sources(diagnosis, project):
            called += [n for n in _called_names(source) if n not in called]
        found = _project_defs(project, called)[:1]
    if not found:
        return diagnosis
    file, qualname, (start, end) = found[0]
    return replace(diagnosis, file=file, function=qualname, function_span=(start, end),
                   line=start)


def _called_names(code: str) -> list[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else ""
            if name and name not in names:
                names.append(name)
    return names


def _signature(project: Project, rel: str, qualname: str, node: _FuncNode) -> str:
    text = _lines(project, rel, node.lineno, node.body[0].lineno - 1 if node.body else node.lineno)
    header = text.strip() or f"def {node.name}(...):"
    doc = ast.get_docstring(node)
    first = f'\n    """{doc.strip().splitlines()[0]}"""' if doc else ""
    return f"# {rel}: {qualname}\n{header}{first}"


def _project_defs(project: Project, names: Sequence[str]
                  ) -> list[tuple[str, str, tuple[int, int]]]:
    """(file, qualified name, span) of the first project definition (tests excluded) of each
    of ``names`` that has one, in the order of ``names``."""
    defs: dict[str, tuple[str, str, tuple[int, int]]] = {}
    for rel in project.python_files:
        if _is_test_file(rel):
            continue
        tree = _parse(project, rel)
        if tree is None:
            continue
        for qualname, node in _functions(tree):
            if node.name in names and node.name not in defs:
                defs[node.name] = (rel, qualname, _span(node))
    return [defs[n] for n in names if n in defs]


def signatures(code: str, project: Project, exclude: Iterable[str] = (),
               limit: int = MAX_SIGNATURES) -> list[str]:
    """Signatures (with the docstring's first line) of the project functions ``code`` calls."""
    wanted = [n for n in _called_names(code) if n not in set(exclude)]
    out = []
    for rel, qualname, _ in _project_defs(project, wanted)[:limit]:
        tree = _parse(project, rel)
        node = next((n for q, n in _functions(tree) if q == qualname), None) if tree else None
        if node is not None:
            out.append(_signature(project, rel, qualname, node))
    return out


def past_fix_sections(past: Sequence[Any], tail: Callable[[str, int], str]) -> list[Section]:
    """One section per recalled past fix (memory rows or success pairs as dicts)."""
    out = []
    for item in past:
        if not isinstance(item, dict):
            continue
        meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
        error = str(item.get("input") or item.get("error") or meta.get("error_type") or "")
        fix = str(item.get("output") or item.get("fix") or item.get("patched_code") or "")
        if fix:
            out.append(Section("past_fix", f"A past fix of a similar error:\nError: "
                               f"{tail(error, 300)}\nFix:\n```python\n{tail(fix, 750)}\n```"))
    return out


def _shrink_output(section: Section) -> Section | None:
    """The test output with its head dropped (half of it), None when too short to halve."""
    body = section.text
    fence = body.find("```\n")
    if fence < 0:
        return None
    head, inner = body[: fence + 4], body[fence + 4 :].rsplit("\n```", 1)[0]
    if len(inner) <= MIN_OUTPUT_CHARS:
        return None
    keep = max(MIN_OUTPUT_CHARS, len(inner) // 2)
    return replace(section, text=f"{head}...\n{inner[-keep:]}\n```")


def fit_sections(sections: list[Section], budget: int,
                 count: Callable[[list[Section]], int]) -> list[Section]:
    """``sections`` with the least useful cut first until ``count(sections) <= budget``."""
    kept = list(sections)
    if count(kept) <= budget:
        return kept
    for kind in CUT_ORDER:
        while count(kept) > budget:
            idx = [i for i, s in enumerate(kept) if s.kind == kind]
            if not idx:
                break
            last = idx[-1]
            if kind == "test_output":
                shorter = _shrink_output(kept[last])
                if shorter is not None:
                    kept[last] = shorter
                    continue
            del kept[last]
        if count(kept) <= budget:
            return kept
    log.warning("the prompt does not fit the model's context (%d > %d tokens) even with every "
                "optional section cut", count(kept), budget)
    return kept


def gather_note(sections: Sequence[Section]) -> str:
    """Which kinds made it into the prompt (for the log)."""
    kinds: list[str] = []
    for s in sections:
        if s.kind not in kinds:
            kinds.append(s.kind)
    return ", ".join(kinds)


__all__ = [
    "CUT_ORDER", "Section", "TokenCounter", "fit_sections", "gather_note", "past_fix_sections",
    "ranking_of", "retarget", "signatures", "suspicious_functions", "test_sources",
]
