"""Sandbox overhead: a small command bare vs under each isolation level, and workspace copy time.

Prints figures, no thresholds:

    .venv/bin/python bench/sandbox_overhead.py [--repeat 15] [--files 1000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import Limits, Sandbox  # noqa: E402
from sandbox.isolation import probe  # noqa: E402

PY = sys.executable


def median_s(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm the page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_project(root: Path, files: int) -> Path:
    """A project of ``files`` Python files in packages of 20, plus one test."""
    root.mkdir(parents=True)
    body = "def f(x):\n    return x + 1\n" * 40
    for i in range(files):
        pkg = root / f"pkg{i // 20}"
        pkg.mkdir(exist_ok=True)
        (pkg / f"mod{i % 20}.py").write_text(body)
    (root / "test_tiny.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="selfheal-bench-") as tmp:
        tmp_root = Path(tmp)
        tiny = make_project(tmp_root / "tiny", 1)
        commands = {
            "python -c pass": [PY, "-c", "pass"],
            "pytest (1 test)": [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_tiny.py"],
        }
        levels = [lvl for lvl in ("bwrap", "unshare", "none") if probe(lvl) is None]
        print(f"isolation levels that work here: {', '.join(levels)}; median of {args.repeat}")
        header = f"{'command':<18}{'bare':>10}" + "".join(f"{lvl:>20}" for lvl in levels)
        print(header)
        for name, argv in commands.items():
            bare = median_s(
                lambda argv=argv: subprocess.run(argv, cwd=tiny, check=True, capture_output=True),
                args.repeat,
            )
            row = f"{name:<18}{bare * 1000:>8.1f}ms"
            for level in levels:
                box = Sandbox(Limits(), isolation=level, tmp_root=tmp_root / "runs")
                _ = box.isolation  # probe once, outside the timing

                def run(box=box, argv=argv) -> None:
                    result = box.run(argv, cwd=tiny)
                    if not result.ok:
                        raise SystemExit(f"{box.isolation} run failed: {result.stderr[-500:]}")

                t = median_s(run, args.repeat)
                row += f"{t * 1000:>10.1f}ms x{t / bare:>5.2f} "
            print(row)

        big = make_project(tmp_root / "big", args.files)
        box = Sandbox(tmp_root=tmp_root / "ws")

        def copy_workspace() -> None:
            with box.workspace(big):
                pass

        def cp_r() -> None:
            dest = tmp_root / "cp-r"
            subprocess.run(["cp", "-r", str(big), str(dest)], check=True)
            shutil.rmtree(dest)

        ws = median_s(copy_workspace, max(3, args.repeat // 3))
        cp = median_s(cp_r, max(3, args.repeat // 3))
        print(
            f"workspace of {args.files} files (copy + remove): {ws * 1000:.1f}ms; "
            f"cp -r + rm: {cp * 1000:.1f}ms; ratio x{ws / cp:.2f}"
        )


if __name__ == "__main__":
    main()
