"""``make run``: copy the bundled demo project to a scratch dir and run the main job on it.

On a terminal the main job is the TUI (``selfheal tui``); without one (CI, a pipe) it is a
headless ``selfheal heal --yes`` so the run still shows the agent at work.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "examples" / "inventory"


def prepare(dest: Path) -> Path:
    """A fresh copy of the demo project at ``dest`` (replacing an older copy)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(DEMO, dest, ignore=shutil.ignore_patterns("__pycache__", ".selfheal", ".pytest_cache"))
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m selfheal_local.cli.demo")
    parser.add_argument("--dest", default="build/demo/inventory", help="where the scratch copy goes")
    parser.add_argument("--headless", action="store_true", help="heal --yes instead of the TUI")
    args = parser.parse_args(argv)
    if not DEMO.is_dir():
        print(f"demo project missing at {DEMO}", file=sys.stderr)
        return 2
    dest = prepare(Path(args.dest))
    from selfheal_local.cli import main as selfheal

    tui_available = (Path(__file__).parent / "tui.py").exists()
    if tui_available and not args.headless and sys.stdin.isatty() and sys.stdout.isatty():
        return selfheal(["tui", str(dest)])
    print(f"demo: healing a scratch copy of the bundled project at {dest}\n", flush=True)
    code = selfheal(["heal", str(dest), "--yes", "--lint"])  # the demo has lint to show
    print(f"\ndemo: see what changed with `git diff --no-index {DEMO} {dest}`;"
          f" `selfheal undo {dest} --all` restores it.")
    return code


if __name__ == "__main__":
    sys.exit(main())
