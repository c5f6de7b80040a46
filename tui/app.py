"""``SelfHealApp``: the Textual TUI of selfheal-local (``selfheal tui PATH``).

Nothing heavy is imported here: the healer (sandbox, memory, model) is opened in a thread
worker after the first paint, and the secondary screens import their parts when opened.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from .layout import display_path
from .logs import LibraryLoggers, stream_only
from .screens.dialogs import HelpScreen
from .screens.main import MainScreen
from .state import HealState
from .watch import Watcher
from .widgets.header import ProjectHeader
from .widgets.log_panel import QueueHandler

DEFAULT_AUTO_THRESHOLD = 0.9


class SelfHealApp(App[None]):
    """Find, heal, review, accept, reject and undo, with the keyboard alone."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "selfheal"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [
        Binding("q", "quit", "Quit", priority=False),
        Binding("question_mark", "help", "Help"),
        Binding("2", "open('memory')", "Memory", show=False),
        Binding("3", "open('adapters')", "Adapters", show=False),
        Binding("4", "open('training')", "Training", show=False),
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
        verbose: bool = False,
        log_file: Path | None = None,
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
        self.log_handler = QueueHandler(verbose=verbose)
        self.log_handler.root = str(self.project_root)
        self.verbose = verbose
        self.log_file = log_file
        self._file_handler: logging.Handler | None = None
        self._saved_logging: tuple[int, list[logging.Handler]] | None = None
        self._library_loggers = LibraryLoggers()
        self._ui_thread = threading.get_ident()

    async def run_async(self, **kwargs: Any) -> None:
        """In a terminal, quit does not wait for a job that only reads (``tui.quitting``)."""
        import asyncio

        from .quitting import QuitFastExecutor

        asyncio.get_running_loop().set_default_executor(
            QuitFastExecutor(lambda: getattr(self.healer, "writing", None)))
        return await super().run_async(**kwargs)

    def get_default_screen(self) -> Screen:
        return MainScreen()

    @property
    def main(self) -> MainScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    # ------------------------------------------------------------------ logging
    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        root = logging.getLogger()
        streams = [h for h in root.handlers if stream_only(h)]
        self._saved_logging = (root.level, streams)
        for handler in streams:  # a write to the terminal would tear the screen
            root.removeHandler(handler)
        root.addHandler(self.log_handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
        self._open_log_file(root)
        self._library_loggers.adopt()
        # a library imported by a job (the model's) installs its printing logger then
        self.set_interval(1.0, self._library_loggers.adopt)

    def _open_log_file(self, root: logging.Logger) -> None:
        """Everything (third-party warnings, model loading included) goes to the log file."""
        if self.log_file is None:
            return
        logging.captureWarnings(True)  # warnings.warn -> the py.warnings logger, not stderr
        try:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                self.log_file, maxBytes=2 << 20, backupCount=2, encoding="utf-8")
        except OSError as exc:
            self.log_handler.say(f"cannot write the log file {self.log_file}: {exc}",
                                 logging.WARNING)
            return
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        self._file_handler = handler
        self.log_handler.also = handler  # the events the panel shows, in the file too

    def on_unmount(self) -> None:
        self._library_loggers.restore()
        root = logging.getLogger()
        root.removeHandler(self.log_handler)
        if self._file_handler is not None:
            self.log_handler.also = None
            root.removeHandler(self._file_handler)
            self._file_handler.close()
            logging.captureWarnings(False)
        if self._saved_logging is not None:
            level, streams = self._saved_logging
            root.setLevel(level)
            for handler in streams:
                root.addHandler(handler)

    # ------------------------------------------------------------------ heal events
    def event_from_thread(self, event: Any) -> None:
        """``on_event`` of the healer: events arrive on worker threads."""
        if not self.is_running or not self.screen_stack:
            return  # quitting: the job is unwinding, nothing left to show
        if threading.get_ident() == self._ui_thread:
            self.main.on_heal_event(event)
        else:
            try:
                self.call_from_thread(self.main.on_heal_event, event)
            except RuntimeError:  # the app stopped between the check and the call
                pass

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
        self.push_screen(HelpScreen(help_rows()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the app in the command palette (ctrl+p), with its key."""
        main = self.main
        for key, title, action in ACTIONS:
            target = main if action in MAIN_ACTIONS else self

            def run(target: Any = target, action: str = action) -> None:
                self.call_later(self.run_action, action, target)

            yield SystemCommand(title, f"key: {key}", run)
        for key, title, action in PALETTE_MORE:
            yield SystemCommand(title, f"key: {key}",
                                lambda action=action: self.call_later(self.run_action, action))
        yield from super().get_system_commands(screen)

    def action_quit(self) -> None:
        """Quit at once: the running job is cancelled (its sandboxed processes are killed)."""
        if self.screen_stack:
            self.main.cancel_all()
        self.exit()

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


# (keys, what it does, action): the help screen and the command palette list every one
ACTIONS = [
    ("s", "Scan: find what is broken (ruff first, the tests after)", "scan"),
    ("h", "Heal the selected finding (validated in the sandbox)", "heal"),
    ("H", "Heal all findings", "heal_all"),
    ("a", "Accept: apply the selected finding's validated fix", "accept"),
    ("Y", "Accept all: apply every validated fix not rejected", "accept_all"),
    ("r", "Reject the selected finding's fix (with a reason)", "reject"),
    ("u", "Undo the last applied fix", "undo"),
    ("e", "Edit: open the finding in $EDITOR", "edit"),
    ("t", "Tests: run the suite again", "tests"),
    ("A", "Toggle auto-apply above the confidence bar", "toggle_auto"),
    ("x", "Cancel the running job", "cancel_job"),
    ("/", "Filter the findings (pattern, source, file, text)", "filter"),
    ("f c d", "Show the finding / candidates / diff tab", "tab('tab-finding')"),
    ("o", "Sort the findings by the next column", "sort_findings"),
    ("g G", "First / last finding (also Home / End)", "first_finding"),
    ("2 3 4", "Memory / adapters / training screen", "open('memory')"),
    ("?", "Help: every key", "help"),
    ("q", "Quit (cancels the running job)", "quit"),
]
PALETTE_MORE = [
    ("c", "Candidates tab", "screen.tab('tab-candidates')"),
    ("d", "Diff tab", "screen.tab('tab-diff')"),
    ("G", "Last finding", "screen.last_finding"),
    ("3", "Adapters screen", "open('adapters')"),
    ("4", "Training screen", "open('training')"),
]
MAIN_ACTIONS = {"scan", "heal", "heal_all", "accept", "accept_all", "reject", "undo", "edit", "tests",
                "toggle_auto", "cancel_job", "filter", "tab('tab-finding')", "sort_findings",
                "first_finding"}


def help_rows() -> list[tuple[str, str]]:
    rows = [(key, title) for key, title, _action in ACTIONS]
    rows += [("ctrl+p", "Command palette: every action by name"),
             ("escape", "Leave the filter; close a screen or dialog")]
    return rows
