"""The header: project, suite, auto-apply and the job on the first line; while a job runs the
second line says how far it is (N of M, elapsed, the stage running), else what the agent
works with (tests, sandbox, engine, memory)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

SANDBOX_WORDS = {
    "bwrap": ("isolated (bubblewrap)", "isolated"),
    "unshare": ("partly isolated (unshare)", "partly isolated"),
    "none": ("NOT isolated: install bubblewrap", "NOT isolated"),
}
"""The sandbox's isolation level in words a person reads: (full, short for narrow terminals)."""


def sandbox_words(isolation: str, short: bool = False) -> str:
    words = SANDBOX_WORDS.get(isolation)
    return words[short] if words else isolation


class ProjectHeader(Widget):
    """Two lines that say what the agent works on, with what, and how far a job is."""

    project: reactive[str] = reactive("")
    tests: reactive[str] = reactive("…")
    sandbox: reactive[str] = reactive("…")
    """The isolation level the session reports (bwrap, unshare, none); shown in words."""
    engine: reactive[str] = reactive("loading…")
    memory: reactive[str] = reactive("loading…")
    auto_apply: reactive[str] = reactive("off")
    suite: reactive[str] = reactive("not run")
    job: reactive[str] = reactive("idle")
    progress: reactive[str] = reactive("")
    """N of M · elapsed · stage, while a job runs (empty when idle)."""

    def render(self) -> Text:
        first = Text(no_wrap=True, overflow="ellipsis")
        second = Text(no_wrap=True, overflow="ellipsis")

        def part(text: Text, label: str, value: str, style: str = "bold") -> None:
            text.append(f"{label} ", style="dim")
            text.append(value, style=style)
            text.append("  ")

        part(first, "project", self.project, "bold cyan")
        part(first, "suite", self.suite, "bold red" if "no test" in self.suite else "bold")
        part(first, "auto-apply", self.auto_apply,
             "bold yellow" if self.auto_apply != "off" else "bold")
        part(first, "job", self.job, "bold green" if self.job == "idle" else "bold magenta")
        width = self.size.width or 80
        if self.progress:
            second.append(self.progress, style="magenta")
        else:
            for short in (False, True):  # the short words when the full ones do not fit
                second = Text(no_wrap=True, overflow="ellipsis")
                part(second, "tests", self.tests)
                part(second, "sandbox", sandbox_words(self.sandbox, short),
                     "bold red" if self.sandbox == "none" else "bold")
                part(second, "engine", self.engine)
                part(second, "memory", self.memory)
                if second.cell_len <= width + 2:  # the trailing separator goes
                    break
        first.rstrip()
        second.rstrip()
        first.truncate(width, overflow="ellipsis")
        second.truncate(width, overflow="ellipsis")
        return Text("\n").join([first, second])
