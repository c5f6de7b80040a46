"""The training screen: pairs per pattern since the last run, the schedule, train now with a
progress bar per step and a live loss sparkline, the gate's result and promotion."""

from __future__ import annotations

import threading
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, ProgressBar, Sparkline, Static

from selfheal_local import session

from .overview import OverviewScreen


def overview_table(overview: dict[str, Any]) -> Table:
    table = Table(box=None, padding=(0, 2))
    table.add_column("pattern")
    table.add_column("pairs since last run", justify="right")
    for pattern, count in sorted(overview.get("pairs_since_last_run", {}).items()):
        table.add_row(pattern, str(count))
    return table


class TrainingScreen(OverviewScreen):
    """Nightly QLoRA training: what it would learn from, when, and a manual run."""

    BINDINGS = [
        Binding("T", "train_now", "Train now"),
        Binding("x", "cancel", "Cancel training"),
        Binding("R", "reload", "Reload"),
    ]
    NOTE_ID = "training-note"

    def compose(self) -> ComposeResult:
        yield from self.compose_header("Training — per-pattern QLoRA adapters")
        with Vertical(classes="pane"):
            yield Static(id="schedule")
            yield Static(id="pairs")
            yield Static("", id="train-step")
            yield ProgressBar(id="train-progress", show_eta=False)
            yield Sparkline([], id="loss")
            yield Static("", id="gate")
        yield Footer()

    def on_mount(self) -> None:
        self.cancel_event = threading.Event()
        self.losses: list[float] = []
        self.running = False
        self.query_one("#train-progress", ProgressBar).display = False
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="training-load")
    def load(self) -> None:
        overview = self.read_healer(session.training_overview, "training",
                                    "training state unreadable")
        if overview is not None:
            self.app.call_from_thread(self.show, overview)

    def show(self, overview: dict[str, Any]) -> None:
        notes = []
        if not overview.get("model"):
            notes.append("not configured: training needs a local base model directory "
                         "(model = DIR in [tool.selfheal] or --model DIR)")
        if not overview.get("pairs_since_last_run"):
            notes.append("no new accepted pairs since the last run: accept some fixes first")
        self.say("\n".join(notes))
        schedule = Text()
        for label, key in (("schedule", "schedule"), ("last run", "last_run"),
                           ("pairs", "pairs_total")):
            schedule.append(f"{label:>9} ", style="dim")
            schedule.append(f"{overview.get(key, '-')}\n")
        for name, promoted, reason in overview.get("last_adapters", []):
            schedule.append(f"{name:>9} ", style="dim")
            schedule.append(f"{'promoted' if promoted else 'not promoted'} ({reason})\n")
        self.query_one("#schedule", Static).update(schedule)
        self.query_one("#pairs", Static).update(overview_table(overview))

    def action_train_now(self) -> None:
        if self.running:
            self.notify("training is already running (x cancels)", severity="warning")
            return
        self.running = True
        self.cancel_event = threading.Event()
        self.losses = []
        self.query_one("#gate", Static).update("")
        self.query_one("#train-step", Static).update("starting a training round…")
        self.train(self.cancel_event)

    def action_cancel(self) -> None:
        self.cancel_event.set()
        if not self.running:
            self.query_one("#train-progress", ProgressBar).display = False
            self.notify("no training round is running")
            return
        if self.running:
            self.notify("a round in progress finishes its current adapter; nothing half-trained "
                        "is ever promoted", timeout=6)

    @work(thread=True, exclusive=True, group="training")
    def train(self, cancel: threading.Event) -> None:
        call = self.app.call_from_thread

        def progress(update: dict[str, Any]) -> None:
            call(self.progress, update)

        try:
            result = session.train_now(self.app.healer, progress, cancel)
        except session.NotAvailable as exc:
            call(self.say, f"training not available: {exc}")
            result = None
        except Exception as exc:
            call(self.notify, f"training failed: {exc}", severity="error")
            result = None
        call(self.finished, result)

    def progress(self, update: dict[str, Any]) -> None:
        bar = self.query_one("#train-progress", ProgressBar)
        bar.display = True  # shown only once a round reports steps
        if "total" in update:
            bar.update(total=update["total"])
        if "step" in update:
            bar.update(progress=update["step"])
        if "loss" in update:
            self.losses.append(float(update["loss"]))
            self.query_one("#loss", Sparkline).data = list(self.losses)
        label = " · ".join(str(update[k]) for k in ("stage", "pattern") if update.get(k))
        if label:
            self.query_one("#train-step", Static).update(label)

    def finished(self, result: dict[str, Any] | None) -> None:
        """The round ended (or could not start): the bar stops; it never animates idle."""
        self.running = False
        bar = self.query_one("#train-progress", ProgressBar)
        if result is None or bar.total is None:
            bar.display = False
            self.query_one("#train-step", Static).update("" if result is not None else
                                                         "no training round is running")
        if result is None:
            return
        gate = Text()
        for key in ("gate", "promoted", "hot_loaded"):
            if key in result:
                gate.append(f"{key} ", style="dim")
                gate.append(f"{result[key]}\n")
        self.query_one("#gate", Static).update(gate)
        self.action_reload()
