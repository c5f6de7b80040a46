"""TUI figures: start to first paint (fresh process), heavy modules imported, the findings
table with 5,000 findings, and the longest event-loop block while a heal runs.

    .venv/bin/python bench/tui_bench.py [--runs 3]

Prints one JSON object. Goals (issue 7): first paint < 1 s with none of torch, transformers,
lancedb, sentence_transformers imported; no frame blocked > 100 ms while a heal runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "inventory"
HEAVY = ("torch", "transformers", "lancedb", "sentence_transformers", "peft", "trl", "pyarrow")

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from tui.app import SelfHealApp

HEAVY = %r

class Probe(SelfHealApp):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.painted)

    def painted(self):
        heavy = sorted(m for m in HEAVY if m in sys.modules)
        print(json.dumps({"in_process_s": time.perf_counter() - t0, "heavy": heavy}), flush=True)
        self.exit()

Probe(sys.argv[1], {"use_model": False, "use_memory": False}, watch=False,
      scan_on_start=False).run(headless=True)
"""


def first_paint(project: Path, runs: int) -> dict:
    """Wall time from spawning a fresh interpreter to the first refresh of the main screen."""
    times, inside, heavy = [], [], set()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD % (HEAVY,), str(project)],
                             capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
        wall = time.perf_counter() - started
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("{")), None)
        if line is None:
            raise SystemExit(f"first-paint probe failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
        data = json.loads(line)
        times.append(wall)
        inside.append(data["in_process_s"])
        heavy.update(data["heavy"])
    return {"first_paint_s": round(min(times), 3), "first_paint_median_s": round(sorted(times)[len(times) // 2], 3),
            "import_to_paint_s": round(min(inside), 3), "heavy_modules_imported": sorted(heavy)}


async def _lag_while(pilot, busy) -> tuple[float, int]:
    """Longest overshoot of a 5 ms sleep on the UI loop while ``busy()`` holds."""
    worst, ticks = 0.0, 0
    while busy():
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        worst = max(worst, time.perf_counter() - before - 0.005)
        ticks += 1
    return worst, ticks


async def heal_and_table(project: Path) -> dict:
    from selfheal_local.types import Finding
    from tui.app import SelfHealApp

    app = SelfHealApp(project, {"use_model": False, "use_memory": False}, watch=False)
    out: dict = {}
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.screen_stack[0]
        started = time.perf_counter()
        while app.healer is None or main.busy:
            await asyncio.sleep(0.05)
        out["open_and_scan_s"] = round(time.perf_counter() - started, 3)
        await pilot.press("H")  # heal all: the sandbox runs in a thread worker
        started = time.perf_counter()
        worst, ticks = await _lag_while(pilot, lambda: main.busy)
        out["heal_all_s"] = round(time.perf_counter() - started, 3)
        out["max_frame_block_during_heal_ms"] = round(worst * 1000, 1)
        out["loop_ticks_during_heal"] = ticks
        out["validated_fixes"] = sum(1 for s in app.state.findings.values() if s.status == "fixable")

        many = [Finding("ruff", f"pkg/mod{i % 250}.py", i % 400 + 1, f"F{i % 9}01",
                        f"synthetic finding number {i}") for i in range(5000)]
        patterns = {f.id: ("lint", "undefined_variable", "type_error")[i % 3]
                    for i, f in enumerate(many)}
        table = main.findings
        started = time.perf_counter()
        table.load(many, patterns, app.state.status)
        out["load_5000_findings_ms"] = round((time.perf_counter() - started) * 1000, 1)
        await pilot.pause()
        started = time.perf_counter()
        table.set_filter("type_error")
        out["filter_5000_ms"] = round((time.perf_counter() - started) * 1000, 1)
        out["rows_after_filter"] = table.row_count
        table.set_filter("")
        table.focus()
        started = time.perf_counter()
        for _ in range(50):
            await pilot.press("down")
        out["50_cursor_moves_ms"] = round((time.perf_counter() - started) * 1000, 1)
        started = time.perf_counter()
        await pilot.press("o")
        out["sort_5000_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("SELFHEAL_HOME", str(Path(tmp) / "home"))
        project = Path(tmp) / "inventory"
        shutil.copytree(DEMO, project, ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache"))
        result = first_paint(project, args.runs)
        result.update(asyncio.run(heal_and_table(project)))
    result["first_paint_under_1s"] = result["first_paint_s"] < 1.0
    result["no_heavy_imports"] = not result["heavy_modules_imported"]
    result["no_frame_over_100ms"] = result["max_frame_block_during_heal_ms"] <= 100
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
