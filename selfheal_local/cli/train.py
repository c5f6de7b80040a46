"""``selfheal train``: the nightly learning round, now or on a schedule; its history; rollback.

selfheal train --now [--pattern P] [--min-pairs N] [--model DIR] [--json]
selfheal train --schedule "0 3 * * *" [--systemd]     run the scheduler (or write a unit)
selfheal train --history [--json]
selfheal train --rollback PATTERN
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from selfheal_local.config import DataPaths, load_config
from selfheal_local.errors import BadInputError, SelfHealError

NAME = "train"
HELP = "fine-tune per-error-type LoRA adapters on accepted fixes, gate and hot-load them"


def add_arguments(p: argparse.ArgumentParser) -> None:
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--now", action="store_true", help="run one training round now")
    mode.add_argument("--schedule", metavar="CRON", help="install the cron schedule and run it")
    mode.add_argument("--history", action="store_true", help="list the recorded rounds")
    mode.add_argument("--rollback", metavar="PATTERN", help="route PATTERN to its previous adapter")
    p.add_argument("--pattern", metavar="P", help="train only this pattern (or 'general')")
    p.add_argument("--min-pairs", type=int, default=20, metavar="N",
                   help="pairs a pattern needs for its own adapter (default 20)")  # fmt: skip
    p.add_argument("--model", metavar="DIR", help="local base model directory (the serving model)")
    p.add_argument("--floor", type=float, default=0.5,
                   help="validated fix rate a first adapter must reach (default 0.5)")  # fmt: skip
    p.add_argument("--all", action="store_true", help="train every pattern, not only new ones")
    p.add_argument("--no-general", action="store_true", help="skip the general adapter")
    p.add_argument("--qlora", action=argparse.BooleanOptionalAction, default=None,
                   help="base in 4-bit NF4 (default: on with CUDA)")  # fmt: skip
    p.add_argument("--training", metavar="JSON", default="{}",
                   help='LoRaConfig overrides, e.g. \'{"max_steps": 200}\'')  # fmt: skip
    p.add_argument("--systemd", action="store_true",
                   help="with --schedule: write a systemd user unit instead of running")  # fmt: skip
    p.add_argument("--server", metavar="URL",
                   help="a running vLLM server: gate through it and hot-load into it")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print the run record / history as JSON")


def _options(args: argparse.Namespace, config: Any) -> Any:
    from selfheal_local.learning.nightly import RoundOptions

    model = args.model or config.model
    if not model or model.startswith(("http://", "https://")):
        raise BadInputError(
            "training needs the local base model directory: pass --model DIR (the directory the "
            "serving engine loads)"
        )
    try:
        training = json.loads(args.training)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"--training is not JSON: {exc}") from exc
    if args.qlora is not None:
        training["load_in_4bit"] = args.qlora
    if args.min_pairs < 1:
        raise BadInputError("--min-pairs must be at least 1")
    return RoundOptions(
        model=str(Path(model).expanduser().resolve()),
        min_pairs=args.min_pairs,
        pattern=args.pattern,
        floor=args.floor,
        training=training,
        all_pairs=args.all,
        general=not args.no_general,
    )


def run(args: argparse.Namespace) -> int:
    from models.errors import ModelError

    try:
        return _run(args)
    except ModelError as exc:
        raise SelfHealError(str(exc)) from exc


def _run(args: argparse.Namespace) -> int:
    config = load_config()
    home = config.home_dir()
    if args.history:
        return _history(home, args.json)
    if args.rollback:
        from selfheal_local.learning.nightly import rollback

        print(f"{args.rollback} now routes to {rollback(home, args.rollback)}")
        return 0
    if args.schedule:
        return _schedule(args, config, home)
    if args.now:
        return _now(args, config, home)
    print("(no --now / --schedule given: showing the history)", file=sys.stderr)
    return _history(home, args.json)


def _now(args: argparse.Namespace, config: Any, home: Path) -> int:
    from models.schedule import exit_on_sigterm
    from selfheal_local.factory import make_sandbox
    from selfheal_local.learning.gate import HeldoutGate
    from selfheal_local.learning.nightly import NightlyRound
    from selfheal_local.llm.engines import local_engine, server_engine

    exit_on_sigterm()  # a stopped scheduler's SIGTERM unwinds through the cleanup
    options = _options(args, config)
    quantized = options.training.get("load_in_4bit")
    if quantized is None:
        import torch

        quantized = torch.cuda.is_available()
    server = args.server or (config.model if config.model.startswith("http") else "")
    if server:  # the serving engine is a vLLM server: gate through it, hot-load into it
        engine: Any = server_engine(server)
    else:  # embedded: this process serves the gate (a running TUI re-reads the registry)
        engine = local_engine(options.model, load_in_4bit=bool(quantized))
    gate = HeldoutGate(engine, make_sandbox(config))
    nightly = NightlyRound(home, options, engine=engine, gate=gate)
    # stdout carries only the result: whatever the libraries print goes to stderr
    with contextlib.redirect_stdout(sys.stderr), TrainingProgress() as progress:
        nightly.progress = progress
        record = nightly.run()
    if args.json:
        print(json.dumps(record, indent=2, default=str))
        return 0
    _print_round(record)
    return 0


class TrainingProgress:
    """A rich progress bar per adapter, with the loss as it goes (on stderr)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> TrainingProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]}"), console=Console(stderr=True),
            )  # fmt: skip
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, name: str, step: int, total: int, loss: float | None) -> None:
        if self._bar is None:
            return
        shown = "-" if loss is None else f"{loss:.4f}"
        if name not in self._tasks:
            self._tasks[name] = self._bar.add_task(f"training {name}", total=total, loss=shown)
        self._bar.update(self._tasks[name], completed=step, total=total, loss=shown)


def _print_round(record: dict[str, Any]) -> None:
    if not record["adapters"]:
        print("nothing trained")
    for entry in record["adapters"]:
        verdict = "promoted" if entry["promoted"] else "not promoted"
        print(f"{entry['name'] or entry['pattern']}: {verdict} ({entry['reason']})")
        if entry.get("path"):
            gate = entry["gate"]["candidate"]
            print(f"    {entry['path']}  held-back {gate['validated']}/{gate['total']}  "
                  f"loss {entry['metrics']['final_loss']:.4f}")  # fmt: skip
    for skip in record["skipped"]:
        print(f"{skip['pattern']}: skipped ({skip['reason']})")


def _history(home: Path, as_json: bool) -> int:
    from selfheal_local.learning.nightly import history

    runs = history(home)
    if as_json:
        print(json.dumps(runs, indent=2, default=str))
        return 0
    if not runs:
        print("no training rounds yet")
    for r in runs:
        done = ", ".join(
            f"{a['name'] or a['pattern']} {'promoted' if a['promoted'] else 'kept old'}"
            for a in r["adapters"]
        )
        print(f"{r['started']}  {r['run_id']}  {len(r['adapters'])} trained  {done or '-'}")
    return 0


def _schedule(args: argparse.Namespace, config: Any, home: Path) -> int:
    from models.schedule import NightlyScheduler, SchedulerLocked, write_systemd_unit

    options = _options(args, config)
    flags = ["--model", options.model, "--min-pairs", str(options.min_pairs),
             "--floor", str(options.floor), "--training", json.dumps(options.training)]  # fmt: skip
    if options.pattern:
        flags += ["--pattern", options.pattern]
    if args.server:
        flags += ["--server", args.server]
    if not options.general:
        flags.append("--no-general")
    child = [sys.executable, "-m", "selfheal_local", "train", "--now", "--json", *flags]
    env = {"SELFHEAL_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    if args.systemd:
        me = [sys.executable, "-m", "selfheal_local", "train", "--schedule", args.schedule, *flags]
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        unit = write_systemd_unit(base / "systemd" / "user", me, env)
        print(f"wrote {unit}\nenable it: systemctl --user daemon-reload && "
              f"systemctl --user enable --now {unit.name}")  # fmt: skip
        return 0
    scheduler = NightlyScheduler(DataPaths(home).schedule)
    try:
        job = scheduler.install(child, args.schedule, env)
    except SchedulerLocked as exc:
        raise BadInputError(str(exc)) from exc
    print(f"scheduled {job['trigger']}; next run {job['next_run_time']} (Ctrl-C stops)", flush=True)
    scheduler.start(background=False)
    return 0
