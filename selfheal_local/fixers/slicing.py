"""Where a crash's values come from: the backward slice of the crashing statement, in its function.

When an exception is raised in the project's code (not by a test's own assertion), the faulty
statement is most often the crashing one or one that computed a value it used: the loop header
that produced ``attr`` for ``getattr(obj, attr)``, the assignment that built ``obj``. Spectrum
scores (Ochiai) tie on every statement only the failing tests run; the search breaks such ties
in favour of the statements in this slice (intra-procedural, data and control dependence, from
the AST alone: a static over-approximation, never a reason to skip a statement).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from selfheal_local.project import Project
from selfheal_local.types import Finding

_HEADERS = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)
MAX_ROUNDS = 8


def crash_site(finding: Finding, project: Project) -> tuple[str, int] | None:
    """(file, line) of the project statement an exception left from, when it was raised in the
    project's own code rather than in a test; None otherwise."""
    site: tuple[str, int] | None = None
    for frame in finding.frames:
        if not frame.in_project or not frame.file or frame.file not in project.python_files:
            continue
        site = None if project.is_protected(frame.file) else (frame.file, frame.line)
    return site


_FUNCTIONS, _LOOPS = (ast.FunctionDef, ast.AsyncFunctionDef), (ast.While, ast.For, ast.AsyncFor)


def _innermost(tree: ast.Module | None, line: int, kinds: tuple[type, ...]) -> ast.AST | None:
    """The innermost node of ``kinds`` whose lines hold ``line`` (None: none, or no tree)."""
    around = [n for n in ast.walk(tree) if isinstance(n, kinds)
              and n.lineno <= line <= (n.end_lineno or n.lineno)] if tree is not None else []
    return max(around, key=lambda n: n.lineno, default=None)


CALLERS = 2
"""Calling frames followed from a crash whose values came in as arguments."""


def crash_chain(finding: Finding, project: Project) -> list[tuple[str, int]]:
    """The crash site (``crash_site``), then each calling statement the crash's values came
    from: while the backward slice at a frame reads a parameter of its function, the frame
    that called it passed that value (at most ``CALLERS`` callers, never a protected file)."""
    site = crash_site(finding, project)
    if site is None:
        return []
    frames = [f for f in finding.frames if f.in_project and f.file in project.python_files]
    chain = [site]
    for callee, caller in zip(reversed(frames), reversed(frames[:-1]), strict=False):
        if len(chain) > CALLERS or project.is_protected(caller.file):
            break
        fn = _innermost(project.tree(callee.file), callee.line, _FUNCTIONS)
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            break
        params = {a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs,
                                  fn.args.vararg, fn.args.kwarg) if a} - {"self", "cls"}
        lines = backward_slice(fn, callee.line)
        if not params & _names([h for st in _statements(fn) if st.lineno in lines
                                for h in _header(st)], ast.Load):
            break
        chain.append((caller.file, caller.line))
    return chain


def stuck_path(finding: Finding, project: Project) -> frozenset[tuple[str, int]]:
    """For tests stopped by the per-test limit (``detect.hangguard``): the project lines a stuck
    loop kept running, empty otherwise. A loop that never ends has a condition that never
    turns false or a body that makes no progress: the loop statement at the finding's place
    (header and body) and every function the alarm found below it (where it landed there is
    a sample of what each iteration runs, so their whole bodies count)."""
    from selfheal_local.detect.hangguard import stopped

    if not stopped(finding.code):
        return frozenset()
    frames = [f for f in finding.frames if f.in_project and f.file in project.python_files
              and not project.is_protected(f.file)]
    start = next((i for i, f in enumerate(frames) if (f.file, f.line) == (finding.file, finding.line)),
                 len(frames))
    out: set[tuple[str, int]] = set()
    for depth, frame in enumerate(frames[start:]):
        inner = _innermost(project.tree(frame.file), frame.line, _LOOPS if depth == 0 else _FUNCTIONS)
        first, last = (inner.lineno, inner.end_lineno or inner.lineno) if inner else (frame.line,) * 2
        out.update((frame.file, n) for n in range(first, last + 1))
    return frozenset(out)


def _header(node: ast.stmt) -> list[ast.AST]:
    """The parts of a statement evaluated at its own line (a compound statement's header)."""
    if isinstance(node, ast.For | ast.AsyncFor):
        return [node.target, node.iter]
    if isinstance(node, ast.While | ast.If):
        return [node.test]
    if isinstance(node, ast.With | ast.AsyncWith):
        return list(node.items)
    if isinstance(node, ast.Try | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return []
    return [node]


def _names(parts: Iterable[ast.AST], ctx: type) -> set[str]:
    return {n.id for part in parts for n in ast.walk(part)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}


def _statements(fn: ast.AST) -> list[ast.stmt]:
    """Every statement of ``fn``'s body, nested functions and classes left out."""
    out: list[ast.stmt] = []
    stack = list(getattr(fn, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.stmt):
            out.append(node)
        stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt | ast.excepthandler))
    return out


def _exit_guards(containers: list[ast.AST], line: int) -> list[ast.If]:
    """The ``if`` statements before ``line`` in the blocks holding it whose body leaves the
    block (``raise``, ``return``, …): reaching ``line`` depends on their conditions too."""
    from .control import _exits

    out: list[ast.If] = []
    for container in containers:
        for block in ("body", "orelse", "finalbody"):
            stmts = getattr(container, block, None)
            if not isinstance(stmts, list) or not any(
                    isinstance(s, ast.stmt) and s.lineno <= line <= (s.end_lineno or s.lineno)
                    for s in stmts):
                continue
            out += [s for s in stmts if isinstance(s, ast.If) and (s.end_lineno or s.lineno) < line
                    and _exits(s.body)]
    return out


def backward_slice(fn: ast.AST, line: int) -> frozenset[int]:
    """First lines of the statements of ``fn`` the statement at ``line`` depends on (itself,
    the compound statements enclosing it, the ``if``s before it that could have left instead,
    and those that assign a name it uses, transitively)."""
    statements = _statements(fn)
    holding = [s for s in statements if s.lineno <= line <= (s.end_lineno or s.lineno)]
    if not holding:
        return frozenset()
    crash = max(holding, key=lambda s: s.lineno)
    chosen = {crash, *(s for s in holding if isinstance(s, _HEADERS)),
              *_exit_guards([fn, *holding], line)}
    wanted = set().union(*(_names(_header(s), ast.Load) for s in chosen))
    for _ in range(MAX_ROUNDS):
        grown = {s for s in statements if s not in chosen
                 and _names(_header(s), ast.Store) & wanted}
        if not grown:
            break
        chosen |= grown
        wanted |= set().union(*(_names(_header(s), ast.Load) for s in grown))
    return frozenset(s.lineno for s in chosen)


_NOT_RAISED = re.compile(r"\b([A-Za-z_]\w*) not raised|DID NOT RAISE\s*(?:<class ')?"
                         r"(?:[\w.]*\.)?([A-Za-z_]\w*)")


def expected_raise(finding: Finding) -> str:
    """The exception a failing test expected the project to raise and it did not
    (unittest's ``X not raised``, pytest's ``DID NOT RAISE <class 'm.X'>``), "" otherwise."""
    match = _NOT_RAISED.search(f"{finding.message}\n{finding.traceback}")
    return (match.group(1) or match.group(2)) if match else ""


def _raises(node: ast.Raise, name: str) -> bool:
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return (isinstance(exc, ast.Name) and exc.id == name) or (
        isinstance(exc, ast.Attribute) and exc.attr == name)


def raise_guards(fn: ast.AST, name: str) -> frozenset[int]:
    """For a test that expected ``name`` raised: the lines of ``fn`` that decide whether it is
    (each ``raise name`` and the conditions of the ``if``/``while`` statements holding it; an
    ``elif`` is held by the ``if`` before it). A missed raise is a guard that let the bad input
    through (a condition too narrow, a clause too many) far more often than the raise itself."""
    out: set[int] = set()

    def visit(node: ast.AST, guards: tuple[ast.expr, ...]) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
                      ) and node is not fn:
            return
        if isinstance(node, ast.Raise) and node.exc is not None and _raises(node, name):
            out.add(node.lineno)
            for test in guards:
                out.update(range(test.lineno, (test.end_lineno or test.lineno) + 1))
        inner = (*guards, node.test) if isinstance(node, ast.If | ast.While) else guards
        for child in ast.iter_child_nodes(node):
            visit(child, guards if isinstance(node, ast.If | ast.While) and child is node.test
                  else inner)

    visit(fn, ())
    return frozenset(out)


__all__ = ["backward_slice", "crash_chain", "crash_site", "expected_raise", "raise_guards",
           "stuck_path"]
