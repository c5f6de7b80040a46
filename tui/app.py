"""``SelfHealApp``: the Textual TUI of selfheal-local (``selfheal tui PATH``).

Nothing heavy is imported here: the healer (sandbox, memory, model) is opened in a thread
worker after the first paint, and the secondary screens import their parts when opened.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from .screens.dialogs import HelpScreen
from .screens.main import MAIN_BINDINGS, MainScreen
from .state import HealState
from .watch import Watcher
from .widgets.header import ProjectHeader
from .widgets.log_panel import QueueHandler

DEFAULT_AUTO_THRESHOLD = 0.9


def display_path(path: Path, cwd: Path | None = None) -> str:
    """The project path as a person reads it: relative to cwd, else with ``~``."""
    cwd = cwd or Path.cwd()
    try:
        rel = path.relative_to(cwd)
        return str(rel) if str(rel) != "." else path.name
    except ValueError:
        pass
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


class SelfHealApp(App[None]):
    """Find, heal, review, accept, reject and undo, with the keyboard alone."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "selfheal"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("2", "open('memory')", "Memory"),
        Binding("3", "open('adapters')", "Adapters"),
        Binding("4", "open('training')", "Training"),
        Binding("q", "quit", "Quit"),
    ]

    auto_apply: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        project: str | os.PathLike[str],
        overrides: dict[str, Any] | None = None,
        *,
        watch: bool = True,
        watch_interval_s: float = 0.5,
        scan_on_start: bool = True,
    ) -> None:
        super().__init__()
        self.project_path = str(project)
        self.project_root = Path(project).expanduser().resolve()
        self.display_path = display_path(self.project_root)
        self.overrides = dict(overrides or {})
        self.watch_interval_s = watch_interval_s if watch else 0.0
        self.scan_on_start = scan_on_start
        self.healer: Any = None
        self.state = HealState()
        self.diagnoses: dict[str, Any] = {}
        self.watcher = Watcher()
        self.log_handler = QueueHandler()
        self.log_handler.root = str(self.project_root)
        self._saved_logging: tuple[int, list[logging.Handler]] | None = None
        self._ui_thread = threading.get_ident()

    def get_default_screen(self) -> Screen:
        return MainScreen()

    @property
    def main(self) -> MainScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    # ------------------------------------------------------------------ logging
    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        root = logging.getLogger()
        streams = [h for h in root.handlers if isinstance(h, logging.StreamHandler)
                   and not isinstance(h, logging.FileHandler)]
        self._saved_logging = (root.level, streams)
        for handler in streams:  # a write to the terminal would tear the screen
            root.removeHandler(handler)
        root.addHandler(self.log_handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)

    def on_unmount(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self.log_handler)
        if self._saved_logging is not None:
            level, streams = self._saved_logging
            root.setLevel(level)
            for handler in streams:
                root.addHandler(handler)

    # ------------------------------------------------------------------ heal events
    def event_from_thread(self, event: Any) -> None:
        """``on_event`` of the healer: events arrive on worker threads."""
        if threading.get_ident() == self._ui_thread:
            self.main.on_heal_event(event)
        else:
            self.call_from_thread(self.main.on_heal_event, event)

    # ------------------------------------------------------------------ auto-apply
    @property
    def auto_threshold(self) -> float:
        if self.healer is None:
            return DEFAULT_AUTO_THRESHOLD
        configured = self.healer.project.config.auto_apply_confidence
        return configured if configured > 0 else DEFAULT_AUTO_THRESHOLD

    def update_auto_label(self) -> None:
        label = f"on (≥{self.auto_threshold:.2f})" if self.auto_apply else "off"
        self.main.query_one(ProjectHeader).auto_apply = label

    def watch_auto_apply(self, value: bool) -> None:
        if self.screen_stack:
            self.update_auto_label()
            self.log_handler.say(f"auto-apply {'on' if value else 'off'}"
                                 + (f" at confidence ≥ {self.auto_threshold:.2f}" if value else ""))

    def memory_changed(self) -> None:
        self.refresh_memory_size()

    def refresh_memory_size(self) -> None:
        def work() -> None:
            from selfheal_local import session

            size = session.memory_size(self.healer)
            self.call_from_thread(setattr, self.main.query_one(ProjectHeader), "memory", size)

        self.run_worker(work, thread=True, group="memory-size", exclusive=True)

    # ------------------------------------------------------------------ screens
    def action_help(self) -> None:
        rows = [(b.key, b.description) for b in MAIN_BINDINGS]
        rows += [("f / c / d", "show the finding / candidates / diff tab"),
                 ("o", "sort the findings by the next column"),
                 ("/", "filter the findings (pattern, source, file, text)")]
        rows += [(b.key, b.description) for b in self.BINDINGS]
        rows += [("escape", "close a secondary screen")]
        self.push_screen(HelpScreen([(_key_label(k), d) for k, d in rows]))

    def action_open(self, name: str) -> None:
        from .screens.adapters import AdaptersScreen
        from .screens.memory import MemoryScreen
        from .screens.training import TrainingScreen

        screens = {"memory": MemoryScreen, "adapters": AdaptersScreen, "training": TrainingScreen}
        current = type(self.screen)
        if current is screens[name]:
            return
        if len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screens[name]())


def _key_label(key: str) -> str:
    names = {"question_mark": "?", "slash": "/"}
    return ", ".join(names.get(k, k) for k in key.split(","))
