"""Plausible is not correct: ranking passing candidates and checking where they disagree.

Among candidates that pass the tests, the smaller edit at the more suspicious site comes first
(``rank_passing``). Two passing candidates that change the same function are run side by side
on generated inputs (``hypothesis``, in the sandbox, on the function's own parameters when they
are simple types: int, float, str, bool, lists of those); an input on which they disagree
lowers the chosen candidate's confidence and is recorded on it
(``patch.metadata["disagreement"]``: the input, both results and the other candidate), for
the JSON report and the TUI to show.
"""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Sequence

from ..detect.importpath import import_env
from ..project import Project
from ..protocols import Sandbox
from ..types import Patch
from .base import function_named

log = logging.getLogger(__name__)

SIMPLE = {"int": "st.integers(-1000, 1000)", "float": "st.floats(-1e6, 1e6, allow_nan=False)",
          "str": "st.text(max_size=20)", "bool": "st.booleans()"}
CONFIDENCE_FACTOR = 0.5
"""A disagreement halves the chosen candidate's confidence."""
MAX_EXAMPLES = 300
RESULT_MARK = "SELFHEAL-DISAGREE:"

SCRIPT = '''
import importlib, json, sys, types
from hypothesis import HealthCheck, find, settings, strategies as st
from hypothesis.errors import NoSuchExample

def load(path, package, tag):
    name = (package + "." if package else "") + "_selfheal_" + tag
    mod = types.ModuleType(name)
    mod.__package__ = package
    mod.__file__ = path
    sys.modules[name] = mod
    exec(compile(open(path, encoding="utf-8").read(), path, "exec"), mod.__dict__)
    return mod

def call(fn, args):
    try:
        return "value", repr(fn(*args))
    except Exception as exc:
        return "raises", type(exc).__name__

a = load({a_path!r}, {package!r}, "a")
b = load({b_path!r}, {package!r}, "b")
fa, fb = a, b
for part in {qualname!r}.split("."):
    fa, fb = getattr(fa, part), getattr(fb, part)
strategy = st.tuples({strategies})
try:
    found = find(strategy, lambda args: call(fa, args) != call(fb, args),
                 settings=settings(max_examples={max_examples}, database=None, deadline=None,
                                   suppress_health_check=list(HealthCheck)))
    out = {{"input": repr(found), "a": call(fa, found), "b": call(fb, found)}}
except NoSuchExample:
    out = None
print({mark!r} + json.dumps(out))
'''


def _strategy(annotation: ast.expr | None, default: ast.expr | None) -> str | None:
    if isinstance(annotation, ast.Name) and annotation.id in SIMPLE:
        return SIMPLE[annotation.id]
    if (isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name)
            and annotation.value.id in ("list", "List") and isinstance(annotation.slice, ast.Name)
            and annotation.slice.id in SIMPLE):
        return f"st.lists({SIMPLE[annotation.slice.id]}, max_size=8)"
    if annotation is None and isinstance(default, ast.Constant):
        kind = type(default.value).__name__
        return SIMPLE.get(kind)
    return None


def strategies_for(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str] | None:
    """One strategy per positional parameter, or None when one is not a simple type."""
    args = fn.args
    if args.vararg or args.kwonlyargs or isinstance(fn, ast.AsyncFunctionDef):
        return None
    params = [*args.posonlyargs, *args.args]
    if params and params[0].arg in ("self", "cls"):
        return None
    defaults: list[ast.expr | None] = [None] * (len(params) - len(args.defaults)) + list(
        args.defaults)
    out = []
    for param, default in zip(params, defaults, strict=True):
        strategy = _strategy(param.annotation, default)
        if strategy is None:
            return None
        out.append(strategy)
    return out


MATCHED_CHARS = 4000
"""Past this many differing characters (the text between the common head and tail) a change is
counted by its length: a character match costs quadratic time, and this is only a tie-break."""


def _same_run(a: str, b: str, *, from_end: bool = False) -> int:
    """How many characters ``a`` and ``b`` share at their start (or end): a binary search of
    slice comparisons, so a 150 KB module costs microseconds, not a character loop."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        same = a[len(a) - mid:] == b[len(b) - mid:] if from_end else a[:mid] == b[:mid]
        lo, hi = (mid, hi) if same else (lo, mid - 1)
    return lo


def edit_chars(patch: Patch) -> int:
    """Characters the patch changes (a finer measure than changed lines). Only the text between
    the edit's common head and tail is matched: a character match of a whole 5,000-line
    module against itself ran for minutes (more-itertools, two passing candidates)."""
    import difflib

    total = 0
    for edit in patch.edits:
        a, b = edit.before, edit.after
        head = _same_run(a, b)
        tail = _same_run(a[head:], b[head:], from_end=True)
        a, b = a[head:len(a) - tail], b[head:len(b) - tail]
        if len(a) + len(b) > MATCHED_CHARS:
            total += max(len(a), len(b))
            continue
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        total += sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
                     if tag != "equal")
    return total


def rank_passing(patches: Sequence[Patch]) -> list[Patch]:
    """Passing candidates, best first: fewer changed lines, fewer changed characters, the more
    suspicious site, then confidence."""
    return sorted(patches, key=lambda p: (p.size, edit_chars(p),
                                          -float(p.metadata.get("suspiciousness", 0.0)),
                                          -p.confidence))


def disagreement(a: Patch, b: Patch, project: Project, sandbox: Sandbox,
                 timeout_s: float = 60.0) -> dict | None:
    """An input on which two candidates that change the same function give different results
    (None when they agree on every generated input, or they cannot be compared)."""
    rel, qualname = a.metadata.get("file"), a.metadata.get("function")
    if not rel or not qualname or (b.metadata.get("file"), b.metadata.get("function")) != (
            rel, qualname):
        return None
    texts = []
    for patch in (a, b):
        edit = next((e for e in patch.edits if e.path == rel), None)
        if edit is None:
            return None
        texts.append(edit.after)
    fn = function_named(ast.parse(texts[0]), qualname)
    strategies = strategies_for(fn) if fn is not None else None
    if not strategies or "." in qualname:
        return None
    package = ".".join(rel.removesuffix(".py").split("/")[:-1])
    overrides = {".selfheal-cmp/a.py": texts[0], ".selfheal-cmp/b.py": texts[1]}
    script = SCRIPT.format(a_path=".selfheal-cmp/a.py", b_path=".selfheal-cmp/b.py",
                           package=package, qualname=qualname, max_examples=MAX_EXAMPLES,
                           strategies=", ".join(strategies) + ("," if len(strategies) == 1 else ""),
                           mark=RESULT_MARK)
    overrides[".selfheal-cmp/run.py"] = script
    python = project.config.python_for(project.root)
    with sandbox.workspace(project.root, overrides) as ws:
        result = sandbox.run([python, ".selfheal-cmp/run.py"], cwd=ws, timeout_s=timeout_s,
                             env=import_env(ws, project.source_roots, {"PYTHONPATH": str(ws)}))
    for line in result.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            found = json.loads(line[len(RESULT_MARK):])
            if found is None:
                return None
            return {"function": f"{rel}::{qualname}", "input": found["input"],
                    "result": " ".join(found["a"]), "other_result": " ".join(found["b"]),
                    "other": b.explanation}
    log.info("candidate comparison could not run: %s", (result.stderr or result.stdout)[-300:])
    return None


def choose(passing: Sequence[Patch], project: Project, sandbox: Sandbox) -> Patch | None:
    """The best passing candidate; when another passing one disagrees with it on a generated
    input, its confidence is lowered and the input recorded on it."""
    ranked = rank_passing(passing)
    if not ranked:
        return None
    best = ranked[0]
    for other in ranked[1:]:
        try:
            found = disagreement(best, other, project, sandbox)
        except Exception as exc:  # a comparison is a help, never a reason to fail a heal
            log.warning("candidate comparison failed: %s", exc)
            continue
        if found:
            best.metadata["disagreement"] = found
            best.confidence = round(best.confidence * CONFIDENCE_FACTOR, 3)
            break
    return best


__all__ = ["choose", "disagreement", "edit_chars", "rank_passing", "strategies_for"]
