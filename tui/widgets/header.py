"""The header: project, test command, sandbox isolation, engine, memory, auto-apply, job."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class ProjectHeader(Widget):
    """Two lines that say what the agent works on and with what."""

    project: reactive[str] = reactive("")
    tests: reactive[str] = reactive("…")
    sandbox: reactive[str] = reactive("…")
    engine: reactive[str] = reactive("loading…")
    memory: reactive[str] = reactive("loading…")
    auto_apply: reactive[str] = reactive("off")
    suite: reactive[str] = reactive("not run")
    job: reactive[str] = reactive("idle")

    def render(self) -> Text:
        text = Text(no_wrap=False, overflow="ellipsis")
        def part(label: str, value: str, style: str = "bold") -> None:
            text.append(f"{label} ", style="dim")
            text.append(value, style=style)
            text.append("  ")
        part("project", self.project, "bold cyan")
        part("tests", self.tests)
        part("sandbox", self.sandbox, "bold" if self.sandbox != "none" else "bold red")
        part("job", self.job, "bold green" if self.job == "idle" else "bold magenta")
        text.append("\n")
        part("engine", self.engine)
        part("memory", self.memory)
        part("auto-apply", self.auto_apply, "bold yellow" if self.auto_apply != "off" else "bold")
        part("suite", self.suite)
        return text
