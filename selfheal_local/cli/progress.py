"""Live progress on a terminal for ``scan`` and ``heal`` (rich); silent when not a terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console


class Progress:
    """Turns the heal loop's events into a status line and a few permanent lines."""

    def __init__(self, console: Console, enabled: bool):
        self.console = console
        self.enabled = enabled
        self._status = console.status("starting…") if enabled else None

    def __enter__(self) -> Progress:
        if self._status is not None:
            self._status.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._status is not None:
            self._status.__exit__(*exc)

    def pause(self):
        """Stop the spinner while the person answers a question."""
        if self._status is not None:
            self._status.stop()

    def resume(self) -> None:
        if self._status is not None:
            self._status.start()

    def __call__(self, event: Any) -> None:
        if not self.enabled:
            return
        kind, message = event.kind, event.message
        if kind in ("scan.start", "candidate", "validate.start"):
            label = {"scan.start": "scan", "candidate": "candidate", "validate.start": "validating"}[kind]
            self._status.update(f"[bold]{label}[/]: {message}")
        elif kind == "scan.done":
            self.console.print(f"[dim]scan:[/] {message}")
        elif kind == "finding":
            self.console.print(f"[bold yellow]finding[/] {message}")
        elif kind == "validate.done" and not event.data.get("passed"):
            self._status.update(f"[red]rejected[/]: {message}")
        elif kind == "fix.found":
            self.console.print(f"  [green]validated[/] ({event.data.get('source')}): {message}")
        elif kind == "fix.none":
            self.console.print(f"  [red]no fix[/]: {message}")
        elif kind == "apply":
            self.console.print(f"  [bold green]applied[/] {', '.join(event.data.get('files', []))}")
