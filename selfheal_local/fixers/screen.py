"""Screening mutants in one process: which of them make the failing tests pass, in seconds.

Validating a mutant costs a sandboxed pytest run (interpreter, imports, collection): about a
second, so the search's budget reaches a few dozen mutants and a right fix ranked 150th is
never tried. PraPR validates patches by swapping bytecode inside one running JVM; this does
the same for Python: one sandboxed pytest session collects the failing tests once, then for
each mutant compiles the mutated function alone (inside its classes, at its own line numbers)
and swaps it into the live function objects (``__code__``), runs the failing tests in-process
(each under an alarm), and swaps it back.

Code that already ran when the tests were collected (module level, or a function called at
import: tables, registries, decorators) is out of a swap's reach; such mutants run again in a
forked child that executes the mutated module afresh (a module that failed to import, and the
test modules that could not be collected for it, are imported again there, mutated). The
plugin is ``fixers/_screen_plugin.py``.

The answer is a hint, never a verdict: a mutant's side effects may leak into the next one, a
value computed once and kept stays as it was, and nothing else is checked. The search tries
the mutants that made every failing test pass first, then the rest in their ranked order (a
failure here demotes nothing), each still validated in full (its own workspace, ruff, the
whole suite). A mutant of a nested function that did not run at import, or whose compiled
function does not fit the live one (a closure that changed), is left in its place, unscreened.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..detect.importpath import import_env
from ..detect.tests import is_pytest
from ..project import Project
from ..protocols import Sandbox
from .module_level import MODULE_LEVEL

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


PLUGIN = Path(__file__).with_name("_screen_plugin.py")
"""The pytest plugin, copied into the workspace beside the job (``mutants.json``)."""


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
    job = {"deadline_s": deadline_s, "least_s": PER_TEST_S, "module_level": MODULE_LEVEL,
           "mutants": wanted}
    overrides = {f"{SCREEN_DIR}/{PLUGIN_NAME}.py": PLUGIN.read_text("utf-8"),
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
