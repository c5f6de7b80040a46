"""The header: project, suite, auto-apply and the job on the first line; while a job runs the
second line says how far it is (N of M, elapsed, the stage running), else what the agent
works with (tests, sandbox, engine, memory)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class ProjectHeader(Widget):
    """Two lines that say what the agent works on, with what, and how far a job is."""

    project: reactive[str] = reactive("")
    tests: reactive[str] = reactive("…")
    sandbox: reactive[str] = reactive("…")
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
        if self.progress:
            second.append(self.progress, style="magenta")
        else:
            part(second, "tests", self.tests)
            part(second, "sandbox", self.sandbox, "bold" if self.sandbox != "none" else "bold red")
            part(second, "engine", self.engine)
            part(second, "memory", self.memory)
        width = self.size.width or 80
        first.truncate(width, overflow="ellipsis")
        second.truncate(width, overflow="ellipsis")
        return Text("\n").join([first, second])
