"""ruff's own fixes as a candidate source: safe fixes first, unsafe ones for the tests to judge."""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Iterator

from selfheal_local.config import project_has_ruff_config
from selfheal_local.errors import SelfHealError
from selfheal_local.fixers.base import make_patch
from selfheal_local.project import Project
from selfheal_local.protocols import SourceBase
from selfheal_local.types import Diagnosis, Patch

log = logging.getLogger(__name__)

RUFF_TIMEOUT_S = 30.0
"""ruff fixes one file in milliseconds; anything slower is a hung process."""

SAFE_CONFIDENCE = 0.95
UNSAFE_CONFIDENCE = 0.6

RUFF_CODE = re.compile(r"^[A-Z]+[0-9]+$")
"""A real rule code (``invalid-syntax`` and friends have no fix to ask for)."""


def ruff_binary() -> str:
    """The ruff executable shipped with the ``ruff`` package."""
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


def ruff_fix_text(
    text: str, rel: str, code: str, project_root, *, unsafe: bool = False,
    isolated: bool = True,
) -> str | None:
    """``text`` with ruff's fixes for ``code`` applied (None when ruff fails)."""
    argv = [ruff_binary(), "check", "--fix-only", "--exit-zero", "--no-cache", "--quiet",
            "--select", code, "--stdin-filename", rel]
    if isolated:
        argv.append("--isolated")
    argv.append("--unsafe-fixes" if unsafe else "--no-unsafe-fixes")
    argv.append("-")
    try:
        done = subprocess.run(
            argv, input=text, capture_output=True, text=True, cwd=project_root,
            timeout=RUFF_TIMEOUT_S, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("ruff --fix on %s failed: %s", rel, exc)
        return None
    if done.returncode != 0:
        log.debug("ruff --fix on %s exited %s: %s", rel, done.returncode, done.stderr.strip())
        return None
    return done.stdout


class RuffFixSource(SourceBase):
    """Candidates from ``ruff check --fix`` for a ruff finding: safe, then unsafe."""

    name = "ruff"

    def propose(self, diagnosis: Diagnosis, project: Project) -> Iterator[Patch]:
        finding = diagnosis.finding
        rel = finding.file or diagnosis.file
        code = finding.code
        if finding.source != "ruff" or not RUFF_CODE.match(code):
            return
        if not rel or project.is_protected(rel):
            return
        try:
            text = project.read(rel)
        except (OSError, SelfHealError) as exc:
            log.debug("ruff source cannot read %s: %s", rel, exc)
            return
        isolated = not project_has_ruff_config(project.root)
        seen = {text}
        for unsafe in (False, True):
            if finding.fix_applicability == "display-only":
                break
            fixed = ruff_fix_text(text, rel, code, project.root, unsafe=unsafe, isolated=isolated)
            if fixed is None or fixed in seen:
                continue
            seen.add(fixed)
            kind = "unsafe" if unsafe else "safe"
            patch = make_patch(
                diagnosis, project, {rel: fixed},
                f"ruff {kind} fix for {code}: {finding.message}",
                confidence=UNSAFE_CONFIDENCE if unsafe else SAFE_CONFIDENCE,
                source="ruff",
            )
            if patch is not None:
                patch.metadata["ruff_applicability"] = kind
                yield patch
