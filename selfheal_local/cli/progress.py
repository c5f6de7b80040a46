"""Live progress on a terminal for ``heal`` (rich): finding N of M, elapsed time and the stage
running (scan, which candidate, which validation); silent when not a terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

STAGES = {"scan.start": "scanning", "candidate": "candidate", "validate.start": "validating"}


class Progress:
    """Turns the heal loop's events into a progress line and a few permanent lines."""

    def __init__(self, console: Console, enabled: bool):
        self.console = console
        self.enabled = enabled
        self.candidates = 0
        self._bar = RichProgress(
            SpinnerColumn(), TextColumn("[bold]{task.fields[step]}"), BarColumn(bar_width=20),
            TimeElapsedColumn(), TextColumn("{task.fields[stage]}"),
            console=console, transient=True) if enabled else None
        self._task = self._bar.add_task("heal", total=None, step="starting",
                                        stage="") if self._bar else None

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.stop()

    def pause(self) -> None:
        """Stop the live line while the person answers a question."""
        if self._bar is not None:
            self._bar.stop()

    def resume(self) -> None:
        if self._bar is not None:
            self._bar.start()

    def _update(self, **fields: Any) -> None:
        if self._bar is not None:
            self._bar.update(self._task, **fields)

    def _print(self, text: str) -> None:
        self.console.print(text, highlight=False)

    def __call__(self, event: Any) -> None:
        if not self.enabled:
            return
        kind, message = event.kind, escape(event.message)
        if kind == "step":
            index, total = int(event.data["index"]), int(event.data["total"])
            self.candidates = 0
            self._update(step=f"finding {index} of {total}", total=total, completed=index - 1,
                         stage=f"{message}")
        elif kind in STAGES:
            if kind == "candidate":
                self.candidates += 1
            label = STAGES[kind]
            if kind == "validate.start":
                label = f"validating candidate {self.candidates}"
            self._update(stage=f"{label}: {message}"[:100])
        elif kind == "scan.done":
            self._print(f"[dim]scan:[/] {message}")
        elif kind == "finding":
            self._print(f"[bold yellow]finding[/] {message}")
        elif kind == "validate.done" and not event.data.get("passed"):
            self._update(stage=f"[red]failed[/]: {message}"[:100])
        elif kind == "fix.found":
            self._print(f"  [green]validated[/] ({escape(str(event.data.get('source')))}): {message}")
        elif kind == "fix.none":
            self._print(f"  [red]no fix[/]: {message}")
        elif kind == "apply":
            self._print(f"  [bold green]applied[/] {escape(', '.join(event.data.get('files', [])))}")
