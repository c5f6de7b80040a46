"""Heal time per demo bug against one plain pytest run of the same project (ratio).

For each of the six bugs of ``examples/inventory``, a single-bug copy is built by applying the
known fix of every other bug; then, side by side in one run, one plain ``python -m pytest -q``
of that copy and ``selfheal heal COPY --yes --json --no-model --no-memory`` (a subprocess, fresh
``SELFHEAL_HOME``) of an identical copy. Prints both times, the ratio per bug and the median
ratio, then the whole demo healed once. Figures only, no thresholds:

    .venv/bin/python bench/heal_demo.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "inventory"
PY = sys.executable

FIXES: dict[str, tuple[str, str, str]] = {
    "AttributeError self.itmes": ("inventory/models.py", "self.itmes", "self.items"),
    "NameError totl": ("inventory/pricing.py", "totl", "total"),
    "TypeError str + int": ("inventory/report.py", '"Items in stock: " + count',
                            '"Items in stock: " + str(count)'),
    "unused os + missing json": ("inventory/report.py", "import os\n", "import json\n"),
    "f-string without placeholders": ("inventory/report.py", 'f"Stock report"', '"Stock report"'),
    "missing defaultdict": ("inventory/storage.py", "import csv\nimport io\n",
                            "import csv\nimport io\nfrom collections import defaultdict\n"),
}
"""Bug -> (file, broken text, fixed text): the known fix of each demo bug."""


def copy_demo(dest: Path, fixed: list[str]) -> Path:
    """A copy of the demo with the fixes of ``fixed`` applied."""
    shutil.copytree(DEMO, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache",
                                                              ".selfheal"))
    for bug in fixed:
        rel, old, new = FIXES[bug]
        path = dest / rel
        text = path.read_text()
        if text.count(old) != 1:
            raise SystemExit(f"{bug}: {old!r} not found exactly once in {rel}; the demo changed")
        path.write_text(text.replace(old, new))
    return dest


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=1800)
    return time.perf_counter() - start, proc


def plain_pytest(root: Path) -> tuple[float, int]:
    elapsed, proc = timed([PY, "-m", "pytest", "-q"], root)
    return elapsed, proc.returncode


def heal(root: Path, home: Path) -> tuple[float, dict]:
    env = dict(os.environ, SELFHEAL_HOME=str(home), HF_HUB_OFFLINE="1")
    elapsed, proc = timed([PY, "-m", "selfheal_local", "heal", str(root), "--yes", "--json",
                           "--no-model", "--no-memory"], REPO, env)
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"heal of {root} printed no JSON (exit {proc.returncode}):\n"
                         f"{proc.stderr[-2000:]}") from None
    return elapsed, result


def measure(tmp: Path, name: str, fixed: list[str], repeat: int) -> tuple[float, float, dict, int]:
    """Median pytest time, median heal time, the last heal result, pytest exit after heal."""
    pytest_s, heal_s = [], []
    result: dict = {}
    after = -1
    for i in range(repeat):
        run_dir = tmp / f"{name}-{i}"
        pytest_s.append(plain_pytest(copy_demo(run_dir / "pytest", fixed))[0])
        healed = copy_demo(run_dir / "heal", fixed)
        elapsed, result = heal(healed, run_dir / "home")
        heal_s.append(elapsed)
        after = plain_pytest(healed)[1]
    return statistics.median(pytest_s), statistics.median(heal_s), result, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs per bug (medians are printed)")
    args = parser.parse_args()
    bugs = list(FIXES)
    with tempfile.TemporaryDirectory(prefix="selfheal-bench-demo-") as tmp_dir:
        tmp = Path(tmp_dir)
        sanity_s, sanity_rc = plain_pytest(copy_demo(tmp / "all-fixed", bugs))
        print(f"demo with every known fix applied: pytest exit {sanity_rc} in {sanity_s:.2f}s "
              f"(0 expected)")
        print(f"cpus {os.cpu_count()}, python {sys.version.split()[0]}, repeat {args.repeat}")
        print(f"{'bug':<32}{'pytest':>9}{'heal':>9}{'ratio':>8}  {'healthy':<8}{'pytest after':<13}applied")
        ratios = []
        for index, bug in enumerate(bugs):
            others = [b for b in bugs if b != bug]
            pytest_s, heal_s, result, after = measure(tmp, f"bug{index}", others, args.repeat)
            ratio = heal_s / pytest_s
            ratios.append(ratio)
            applied = ", ".join(f"{a['pattern']}/{a['source']}" for a in result["applied"]) or "-"
            print(f"{bug:<32}{pytest_s:>8.2f}s{heal_s:>8.2f}s{ratio:>7.1f}x  "
                  f"{str(result['healthy']):<8}{'pass' if after == 0 else f'exit {after}':<13}{applied}")
        print(f"median ratio heal/pytest over {len(ratios)} bugs: {statistics.median(ratios):.1f}x "
              f"(min {min(ratios):.1f}x, max {max(ratios):.1f}x)")

        pytest_s, heal_s, result, after = measure(tmp, "whole", [], args.repeat)
        print(f"whole demo ({len(bugs)} bugs): pytest {pytest_s:.2f}s, heal {heal_s:.2f}s, "
              f"ratio {heal_s / pytest_s:.1f}x, healthy {result['healthy']}, "
              f"{len(result['applied'])} fixes applied, pytest after: "
              f"{'pass' if after == 0 else f'exit {after}'}")


if __name__ == "__main__":
    main()
