"""TUI figures in a real terminal (tmux), each beside `selfheal scan` of the same project, same run.

    .venv/bin/python bench/tui_bench.py [--findings 2000] [--only demo|many]

For the demo (a scratch copy of examples/inventory) and for a generated project with N ruff
findings: `selfheal scan --no-tests` and `selfheal scan` wall times; in `selfheal tui` (tmux,
120x40): time to the first findings on screen and to the finished scan, filter echo per
keystroke (key sent -> typed text on screen), the time until keys act (the app's own
screen shows: the first findings may be the frame drawn while Textual loads), quit time when idle and during a heal (q sent ->
process gone); under Pilot: 50 cursor moves. The first findings are also set beside
`scan --no-tests` and a one-label Textual app each run in the same harness (tmux, a shell, the
interpreter: `*_in_terminal_s`), so the ratio compares like with like and shows Textual's own
floor. Prints one JSON object with the ratios.
Targets on an idle machine: first findings within 1.5x of `scan --no-tests`, echo < 100 ms,
quit < 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "inventory"
sys.path.insert(0, str(ROOT / "tests" / "tui"))


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30).stdout


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait(session: str, predicate, timeout: float = 300.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if predicate(screen(session)):
            return time.perf_counter() - started
        time.sleep(0.01)
    raise TimedOut(f"timed out waiting in {session}:\n{screen(session)}")


class TimedOut(Exception):
    """A screen never showed what was waited for (kept in the results, the run goes on)."""


def filter_line(text: str) -> str:
    """What the filter box shows (the third line of the screen at 120 columns)."""
    lines = text.splitlines()
    return lines[2].strip() if len(lines) > 2 else ""


def cli_scan(project: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "selfheal_local", "scan", str(project), *extra],
                   capture_output=True, timeout=600, cwd=project.parent)
    return time.perf_counter() - started


def tui_session(project: Path, home: Path) -> str:
    session = f"tuibench-{uuid.uuid4().hex[:8]}"
    command = (f"cd {project.parent} && env -u COLUMNS -u LINES SELFHEAL_HOME={home} "
               f"{sys.executable} -m selfheal_local tui {project.name} --no-model --no-watch; "
               "echo SELFHEAL-EXITED; sleep 60")
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    return session


HELLO = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("HELLO-FROM-TEXTUAL")

Hello().run()
"""


def shown_in_terminal(command: str, ready) -> float:  # noqa: ANN001 - ready: screen predicate
    """Seconds from starting ``command`` in a fresh tmux pane until ``ready(screen)``: the same
    harness (tmux, a shell, the interpreter) as the TUI's own figure."""
    session = f"tuibench-{uuid.uuid4().hex[:8]}"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40",
         f"{command}; echo SELFHEAL-EXITED; sleep 60")
    try:
        return wait(session, ready, timeout=120)
    finally:
        tmux("kill-session", "-t", session)


def baselines_in_terminal(project: Path, home: Path) -> dict:
    """``scan --no-tests`` until its findings show, and a one-label Textual app until it shows
    (what Textual itself costs before any of selfheal's work), in the TUI's harness."""
    env = f"cd {project.parent} && env -u COLUMNS -u LINES SELFHEAL_HOME={home}"
    hello = Path(tempfile.mkdtemp(prefix="tuibench-")) / "hello.py"
    hello.write_text(HELLO, encoding="utf-8")
    return {
        "scan_no_tests_in_terminal_s": round(shown_in_terminal(
            f"{env} {sys.executable} -m selfheal_local scan {project.name} --no-tests",
            # a long table scrolls its summary line away: then its end is the command's end
            lambda s: "finding(s) in" in s or "SELFHEAL-EXITED" in s), 2),
        "textual_hello_in_terminal_s": round(shown_in_terminal(
            f"{env} {sys.executable} {hello}", lambda s: "HELLO-FROM-TEXTUAL" in s), 2),
    }


def in_terminal(project: Path, home: Path, location: re.Pattern[str], query: str) -> dict:
    out: dict = {}
    session = tui_session(project, home)
    try:
        out["first_findings_s"] = round(wait(session, lambda s: bool(location.search(s))), 2)
        # the first findings may be the first frame drawn while Textual loads: keys act once
        # the app's own screen is up (its header; the footer's keys are drawn a moment later)
        out["keys_act_s"] = round(out["first_findings_s"] + wait(
            session, lambda s: "auto-apply" in s), 2)
        out["scan_done_s"] = round(out["first_findings_s"] + wait(
            session, lambda s: "job idle" in s and "suite not run" not in s), 2)
        tmux("send-keys", "-t", session, "/")
        time.sleep(0.3)
        echoes = []
        for i in range(1, len(query) + 1):
            tmux("send-keys", "-t", session, "-l", query[i - 1])
            echoes.append(wait(session, lambda s, typed=query[:i]: filter_line(s) == typed,
                               timeout=30))
        out["filter_echo_ms"] = [round(e * 1000) for e in echoes]
        out["filter_echo_max_ms"] = max(out["filter_echo_ms"])
        tmux("send-keys", "-t", session, "Escape")
        time.sleep(1.5)  # a lone ESC is told from ESC+key by a pause (the terminal's escape-time)
        started = time.perf_counter()
        tmux("send-keys", "-t", session, "q")
        wait(session, lambda s: "SELFHEAL-EXITED" in s, timeout=60)
        out["quit_idle_s"] = round(time.perf_counter() - started, 3)
    finally:
        tmux("kill-session", "-t", session)
    session = tui_session(project, home)  # quit while a heal runs in the sandbox
    try:
        wait(session, lambda s: "job idle" in s and "suite not run" not in s)
        tmux("send-keys", "-t", session, "h")
        wait(session, lambda s: "job healing" in s, timeout=30)
        time.sleep(1.0)
        busy = "job healing" in screen(session)
        started = time.perf_counter()
        tmux("send-keys", "-t", session, "q")
        wait(session, lambda s: "SELFHEAL-EXITED" in s, timeout=60)
        out["quit_during_heal_s"] = round(time.perf_counter() - started, 3)
        out["quit_during_heal_was_busy"] = busy
    finally:
        tmux("kill-session", "-t", session)
    return out


async def cursor_moves(project: Path) -> float:
    from tui.app import SelfHealApp

    app = SelfHealApp(project, {"use_model": False, "use_memory": False}, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.healer is None or app.main.busy:
            await asyncio.sleep(0.05)
        app.main.findings.focus()
        started = time.perf_counter()
        for _ in range(50):
            await pilot.press("down")
        return time.perf_counter() - started


def measure(name: str, project: Path, home: Path, location: str, query: str) -> dict:
    out: dict = {"project": name}
    out["scan_no_tests_s"] = round(cli_scan(project, "--no-tests"), 2)
    out["scan_s"] = round(cli_scan(project), 2)
    try:
        out.update(in_terminal(project, home, re.compile(location), query))
    except TimedOut as exc:
        out["error"] = str(exc)
        print(exc, file=sys.stderr)
        return out
    out["50_cursor_moves_s"] = round(asyncio.run(cursor_moves(project)), 2)
    out["first_findings_vs_scan_no_tests"] = round(out["first_findings_s"] / out["scan_no_tests_s"], 2)
    out.update(baselines_in_terminal(project, home))
    out["first_findings_vs_scan_no_tests_in_terminal"] = round(
        out["first_findings_s"] / out["scan_no_tests_in_terminal_s"], 2)
    out["keys_act_vs_scan_no_tests_in_terminal"] = round(
        out["keys_act_s"] / out["scan_no_tests_in_terminal_s"], 2)
    out["textual_hello_vs_scan_no_tests_in_terminal"] = round(
        out["textual_hello_in_terminal_s"] / out["scan_no_tests_in_terminal_s"], 2)
    out["scan_done_vs_scan"] = round(out["scan_done_s"] / out["scan_s"], 2)
    out["targets"] = {"first_findings_within_1.5x": out["first_findings_vs_scan_no_tests"] <= 1.5,
                      "filter_echo_under_100ms": out["filter_echo_max_ms"] < 100,
                      "quit_under_0.5s": max(out["quit_idle_s"], out["quit_during_heal_s"]) < 0.5}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=2000)
    parser.add_argument("--only", choices=("demo", "many"))
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        raise SystemExit("tui_bench needs tmux")
    from tui_helpers import make_many

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ["SELFHEAL_HOME"] = str(home)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        if args.only in (None, "demo"):
            demo = Path(tmp) / "inventory"
            shutil.copytree(DEMO, demo, ignore=shutil.ignore_patterns(
                "__pycache__", ".ruff_cache", ".selfheal"))
            results.append(measure("demo (examples/inventory)", demo, home,
                                   r"inventory/\w+\.py:\d+", "name"))
        if args.only in (None, "many"):
            many = make_many(Path(tmp) / "many", findings=args.findings)
            results.append(measure(f"generated, {args.findings} ruff findings", many, home,
                                   r"many/mod\d+\.py:\d+", "mod01"))
    print(json.dumps({"load_1min": os.getloadavg()[0], "cores": os.cpu_count(),
                      "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
