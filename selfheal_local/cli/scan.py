"""``selfheal scan PATH``: what is broken. Exit 0 nothing, 1 findings, 2 bad input."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from selfheal_local.errors import BadInputError
from selfheal_local.io.redact import redact_values

NAME = "scan"
HELP = "find what is broken: syntax, failing tests, tracebacks, ruff (exit 0 none, 1 some, 2 bad input)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, nargs="?", default=Path("."),
                        help="root of the Python project (default: the current directory)")
    parser.add_argument("--json", action="store_true", help="print one JSON object and nothing else")
    parser.add_argument("--command", metavar="CMD",
                        help='also run CMD in the sandbox and parse its tracebacks ("python app.py")')
    parser.add_argument("--log", type=Path, metavar="FILE", help="also parse tracebacks in a log file")
    parser.add_argument("--no-tests", action="store_true", help="do not run the test suite")


def _command(text: str | None) -> list[str] | None:
    if text is None:
        return None
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise BadInputError(f"--command: cannot split {text!r} ({exc})") from exc
    if not argv:
        raise BadInputError("--command is empty; pass the command to run, e.g. 'python app.py'")
    return argv


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from sandbox import SandboxError
    from selfheal_local.detect.scan import read_log, scan
    from selfheal_local.factory import make_sandbox, recover_on_open
    from selfheal_local.project import Project

    command = _command(args.command)
    project = Project.open(args.path)
    recover_on_open(project.root)  # an apply cut short is rolled back before anything is read
    if args.log is not None:
        read_log(args.log)  # fail fast on an unusable log, before running anything
    sandbox = make_sandbox(project.config)
    console = Console(stderr=True)
    live = console.is_terminal and not args.json
    try:
        if live:
            with console.status("scanning…") as status:
                result = scan(project, sandbox, tests=not args.no_tests, command=command,
                              log=args.log, progress=lambda msg: status.update(f"{msg}…"))
        else:
            result = scan(project, sandbox, tests=not args.no_tests, command=command, log=args.log)
    except OSError as exc:
        raise BadInputError(f"{args.path}: cannot scan ({exc.strerror or exc})") from exc
    except SandboxError as exc:  # one line, never a traceback
        raise BadInputError(f"{args.path}: the sandbox could not run ({exc})") from exc
    if args.json:
        sys.stdout.write(json.dumps(redact_values(result.to_dict())) + "\n")
    else:
        _print_table(result)
    return 1 if result.findings else 0


def _print_table(result) -> None:  # noqa: ANN001 - ScanResult, imported lazily
    from rich.console import Console
    from rich.table import Table

    from selfheal_local.analyze import classify

    console = Console()
    if not result.findings:
        console.print(f"[green]no findings[/] ({result.elapsed_s:.1f}s)")
    else:
        table = Table(title=f"{len(result.findings)} finding(s) in {result.elapsed_s:.1f}s")
        table.add_column("id", no_wrap=True)
        table.add_column("where", overflow="fold", max_width=28)
        table.add_column("error", no_wrap=True)
        table.add_column("message", overflow="fold", min_width=24, ratio=1)
        table.add_column("tests", justify="right", no_wrap=True)
        for f in result.findings:
            tests = str(len(f.test_ids)) if f.test_ids else ""
            error = f"{f.code}\n[dim]{classify(f.code, f.message)}[/]"
            table.add_row(f.id[:8], f.location or "-", error, f.message[:300], tests)
        console.print(table)
    report = result.tests
    if report is not None:
        state = "timed out" if report.timed_out else f"{len(report.passed)} passed, {len(report.failed)} failed"
        if report.collection_errors:
            state += f", {len(report.collection_errors)} could not be collected"
        console.print(f"tests: {state}")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
