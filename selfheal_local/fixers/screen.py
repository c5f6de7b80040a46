"""Screening mutants in one process: which of them make the failing tests pass, in seconds.

Validating a mutant costs a sandboxed pytest run (interpreter, imports, collection): about a
second, so the search's budget reaches a few dozen mutants and a right fix ranked 150th is
never tried. PraPR validates patches by swapping bytecode inside one running JVM; this does
the same for Python: one sandboxed pytest session collects the failing tests once, then for
each mutant compiles the mutated function alone (inside its classes, at its own line numbers)
and swaps it into the live function objects (``__code__``), runs the failing tests in-process
(each under an alarm), and swaps it back.

The answer is a hint, never a verdict: a mutant's side effects may leak into the next one, a
swap cannot reach code that already ran (at import, or a value computed once and cached), and
nothing else is checked. The search tries the mutants that made every failing test pass first,
then the rest in their ranked order (a failure here demotes nothing), each still validated in
full (its own workspace, ruff, the whole suite). Mutants of code run at import, of nested functions, or whose compiled
function does not fit the live one (a closure that changed) are left in their place, unscreened.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..detect.importpath import import_env
from ..detect.tests import is_pytest
from ..project import Project
from ..protocols import Sandbox

log = logging.getLogger(__name__)

SCREEN_DIR = ".selfheal-screen"
PLUGIN_NAME = "_selfheal_screen"
MAX_SCREENED = 400
"""Mutants screened per search (the best ranked ones)."""
MAX_PROMOTED = 20
"""Mutants moved to the front at most (a function the failing tests barely check can let
many through)."""
PER_TEST_S = 0.5
"""The least alarm on one failing test under one mutant (an endless loop reads as a failure);
five times what the test took unmutated when that is more."""


@dataclass(frozen=True)
class Candidate:
    """One mutant of one function: ``splices`` are offsets into the original file text."""

    key: int
    rel: str
    qualname: str
    splices: tuple[tuple[int, int, str], ...]


PLUGIN = r'''"""selfheal-local: run the failing tests once per mutated function, in this process."""
import ast
import gc
import json
import os
import signal
import time
import types

from _pytest.runner import runtestprotocol

_DIR = os.path.join(os.getcwd(), "''' + SCREEN_DIR + r'''")


class _Alarm(Exception):
    pass


def _raise(signum, frame):
    raise _Alarm("screen: test took too long")


def _chain(tree, qualname):
    """(def node, [enclosing class names]) for qualname, None when a function encloses it."""
    scopes, classes, node = [tree], [], None
    parts = qualname.split(".")
    for i, part in enumerate(parts):
        found = [n for s in scopes for n in getattr(s, "body", [])
                 if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                 and n.name == part]
        if not found:
            return None
        node = found[0]
        if i < len(parts) - 1:
            if not isinstance(node, ast.ClassDef):
                return None
            classes.append(part)
        scopes = [node]
    return (node, classes) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _compiled(path, text, starts, node, classes, splices):
    """The mutated function's code object, compiled at its own lines inside its classes."""
    begin = starts[node.lineno - 1]
    end = starts[node.end_lineno] if node.end_lineno < len(starts) else len(text)
    segment = text[begin:end]
    for s, e, new in sorted(splices, reverse=True):
        if not begin <= s <= e <= end:
            return None
        segment = segment[:s - begin] + new + segment[e - begin:]
    head = "".join("    " * i + "class " + c + ":\n" for i, c in enumerate(classes))
    pad = "\n" * (node.lineno - 1 - len(classes))
    module = compile(head + pad + segment, path, "exec", dont_inherit=True)
    stack = [module]
    while stack:
        code = stack.pop()
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                if const.co_name == node.name and const.co_firstlineno == node.lineno:
                    return const
                stack.append(const)
    return None


def _live(path, node):
    lines = {node.lineno, *(d.lineno for d in node.decorator_list)}
    return [f for f in gc.get_objects() if isinstance(f, types.FunctionType)
            and f.__code__.co_filename == path and f.__code__.co_name == node.name
            and f.__code__.co_firstlineno in lines]


def _passed(item, limit):
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        reports = runtestprotocol(item, nextitem=None, log=False)
    except BaseException:
        return False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return all(r.passed or r.skipped for r in reports) and any(
        r.when == "call" and r.passed for r in reports)


def _swap(live, code):
    saved = [f.__code__ for f in live]
    try:
        for f in live:
            f.__code__ = code
    except ValueError:  # a closure that does not fit: put every one back
        for f, old in zip(live, saved):
            f.__code__ = old
        return None
    return saved


def pytest_runtestloop(session):
    with open(os.path.join(_DIR, "mutants.json"), encoding="utf-8") as handle:
        job = json.load(handle)
    signal.signal(signal.SIGALRM, _raise)
    began = time.monotonic()
    baseline = sum(_passed(item, job["deadline_s"]) for item in session.items)
    took = (time.monotonic() - began) / max(1, len(session.items))
    limit = max(job["least_s"], 5 * took)
    files = {}
    result = open(os.path.join(_DIR, "result.jsonl"), "w", encoding="utf-8")
    result.write(json.dumps({"total": len(session.items), "baseline": baseline}) + "\n")
    for m in job["mutants"]:
        if time.monotonic() - began > job["deadline_s"]:
            break
        path = os.path.abspath(m["rel"])
        if path not in files:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            starts = [0]
            for line in text.splitlines(keepends=True):
                starts.append(starts[-1] + len(line))
            files[path] = (text, starts, ast.parse(text))
        text, starts, tree = files[path]
        try:
            found = _chain(tree, m["qualname"])
            code = found and _compiled(path, text, starts, *found, m["splices"])
            live = _live(path, found[0]) if code else []
        except (SyntaxError, ValueError, TypeError):
            continue
        saved = _swap(live, code) if live else None
        if saved is None:
            continue
        try:  # to the first failing test: only a mutant that passes them all is promoted
            got = 0
            for item in session.items:
                if not _passed(item, limit):
                    break
                got += 1
        finally:
            for f, old in zip(live, saved):
                f.__code__ = old
        result.write(json.dumps({"key": m["key"], "passed": got}) + "\n")
        result.flush()  # what was screened before a crash or a time-out still counts
    result.close()
    return True
'''


@dataclass(frozen=True)
class Screened:
    """What the failing tests did under each screened mutant."""

    total: int
    """Failing tests run (a parametrized function counts each of its cases)."""
    baseline: int
    """Of them, how many passed without any mutant."""
    passed: dict[int, int]
    """Candidate key -> how many passed with it before the first that failed (absent: not
    screened)."""

    def order(self, keys: Sequence[int]) -> list[int]:
        """``keys`` with the mutants that made every failing test pass first (at most
        ``MAX_PROMOTED``), the rest in their given order: a mutant that failed here is not
        demoted, since what a swap cannot reach (code run at import, a value computed once
        and kept) fails here and may still be the fix."""
        promoted = [k for k in keys if self.passed.get(k, -1) == self.total > 0][:MAX_PROMOTED]
        chosen = set(promoted)
        return promoted + [k for k in keys if k not in chosen]


def screen(project: Project, sandbox: Sandbox, test_ids: Sequence[str],
           candidates: Iterable[Candidate], deadline_s: float = 30.0) -> Screened | None:
    """Run ``test_ids`` once per candidate in one sandboxed pytest session (see the module
    docstring); None when the tests are not pytest's or the run gave no answer."""
    base = project.config.test_argv(project.root)
    wanted = [{"key": c.key, "rel": c.rel, "qualname": c.qualname, "splices": c.splices}
              for c in candidates]
    if not is_pytest(base) or not wanted or not test_ids:
        return None
    job = {"deadline_s": deadline_s, "least_s": PER_TEST_S, "mutants": wanted}
    overrides = {f"{SCREEN_DIR}/{PLUGIN_NAME}.py": PLUGIN,
                 f"{SCREEN_DIR}/mutants.json": json.dumps(job)}
    argv = [*base, "-p", PLUGIN_NAME, "-p", "no:cacheprovider", "-q", "--rootdir=.",
            "--tb=no", *test_ids]
    with sandbox.workspace(project.root, overrides) as ws:
        env = {**project.test_env, "PYTHONPATH": str(ws / SCREEN_DIR)}
        result = sandbox.run(argv, cwd=ws, timeout_s=deadline_s + 10,
                             env=import_env(ws, project.source_roots, env))
        try:
            rows = [json.loads(line) for line in (ws / SCREEN_DIR / "result.jsonl").read_text(
                "utf-8").splitlines() if line.endswith("}")]
            head = rows[0]
            return Screened(int(head["total"]), int(head["baseline"]),
                            {int(r["key"]): int(r["passed"]) for r in rows[1:]})
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            log.info("screen gave no answer (rc %s, %s): %s", result.returncode, exc,
                     (result.stderr or result.stdout)[-300:])
            return None


__all__ = ["MAX_SCREENED", "Candidate", "Screened", "screen"]
