"""``selfheal heal PATH``: fix what is broken, prove each fix with the project's tests, apply it."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.syntax import Syntax
from rich.text import Text

from selfheal_local.io.redact import redact_values

from .options import add_project_path, add_source_switches, overrides_from

NAME = "heal"
HELP = "fix what is broken, prove every fix in the sandbox, apply it (journaled, undoable)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_project_path(p)
    p.add_argument("--yes", action="store_true", help="apply every validated fix without asking")
    p.add_argument("--json", action="store_true", help="print only the result as one JSON object")
    add_source_switches(p)
    p.add_argument("--max-retries", type=int, metavar="N", help="self-correction rounds for the model")
    p.add_argument("--lint", action="store_true",
                   help="also heal ruff's style findings (default: only when the project "
                        "configures ruff, and only once nothing else is broken)")


def run(args: argparse.Namespace) -> int:
    from ..errors import BadInputError
    from ..factory import open_healer
    from .progress import Progress

    interactive = sys.stdin.isatty()
    if not args.yes and not interactive:
        raise BadInputError("heal asks before applying each fix; on a non-interactive run pass --yes")
    err = Console(stderr=True)
    out = Console()
    progress = Progress(err, enabled=err.is_terminal and not args.json)
    healer = open_healer(args.path, overrides_from(args), on_event=progress)

    with progress:
        result = healer.heal(confirm=None if args.yes else Asker(err, progress))
    if args.json:
        out.print_json(json.dumps(redact_values(result.to_dict())), highlight=False) if out.is_terminal else print(
            json.dumps(redact_values(result.to_dict()), indent=2))
    else:
        _summary(out, result)
    return 0 if result.healthy else 1


ANSWERS = {"y": "yes", "yes": "yes", "n": "no", "no": "no", "": "no", "a": "all", "all": "all",
           "s": "skip all", "skip": "skip all", "skip all": "skip all", "q": "quit", "quit": "quit"}
PROMPT = "apply this fix? [y]es / [n]o / [a]ll / [s]kip all / [q]uit: "


class Asker:
    """The interactive question for each validated fix. ``all`` applies this and every later
    validated fix without asking (rejected changes stay out: the loop never offers them);
    ``skip all`` applies nothing more and asks nothing more; ``quit`` stops healing now."""

    def __init__(self, err: Console, progress) -> None:  # noqa: ANN001 - cli.progress.Progress
        self.err = err
        self.progress = progress
        self.mode = "ask"

    def __call__(self, outcome) -> str:  # noqa: ANN001 - service.FixOutcome
        risky = outcome.patch.metadata.get("risky") or []  # llm.vet: always shown, always asked
        if self.mode != "ask" and not (risky and self.mode == "all"):
            return "yes" if self.mode == "all" else "skip"
        self.progress.pause()
        try:
            patch, verdict = outcome.patch, outcome.validation.verdict
            self.err.print(f"\n{outcome.finding.location} {outcome.finding.message}",
                           markup=False, highlight=False)
            self.err.print(f"fix: {patch.explanation}  ({patch.source}, confidence "
                           f"{patch.confidence:.2f}, {verdict.tests_passed} of "
                           f"{verdict.tests_total} tests pass)", markup=False, highlight=False)
            self.err.print(Syntax(patch.diff, "diff", theme="ansi_dark"))
            for r in risky:
                self.err.print(f"warning: the model's fix adds {r['api']} at {r['file']}:{r['line']}: "
                               f"{r['code']}", markup=False, highlight=False, style="bold red")
            while True:
                raw = self.err.input(Text(PROMPT, style="bold")).strip().lower()
                answer = ANSWERS.get(raw)
                if answer is not None:
                    break
                self.err.print(f"{raw!r}? answer y, n, a, s or q", markup=False)
        except EOFError:
            answer = "quit"
        finally:
            self.progress.resume()
        if answer == "all":
            self.mode = "all"
            return "yes"
        if answer == "skip all":
            self.mode = "skip"
            return "skip"
        return answer


def _summary(out: Console, result) -> None:
    for applied in result.applied:
        out.print(f"[green]fixed[/] {applied.patch.pattern} in {', '.join(applied.patch.files)}: "
                  f"{applied.patch.explanation} [dim]({applied.patch.source})[/]")
    for failure in result.failed:
        out.print(f"[red]not fixed[/] {failure.finding.location} {failure.finding.message}: "
                  f"{failure.reason}")
    for note in result.notes:
        out.print(f"[dim]note: {note}[/]")
    state = "[bold green]healthy[/]" if result.healthy else (
        f"[bold red]not healthy[/]: {len(result.remaining)} finding(s) remain")
    if result.tests_run == 0:  # nothing ran: say so where nobody can miss it
        state += " [bold yellow on red] NO TESTS RAN [/] "
        out.print(state, end="")
        out.print(result.checked_by, style="bold yellow", markup=False, end="")
        state = ""
    out.print(f"{state} — {len(result.applied)} fix(es) applied in {result.elapsed_s:.1f}s"
              + ("; `selfheal undo` restores" if result.applied else ""))
