"""ruff detection time on a large tree: ``selfheal_local.detect.ruff.run_ruff`` against plain ruff.

The tree is the standard library of the running Python (override with ``--tree``). Our side is
a ``Project`` over that directory (no tests) through ``run_ruff``: the file walk, ruff with
JSON output, parsing and filtering into findings. The other side is plain
``ruff check --isolated --select <the same rules> --no-cache`` on the same tree, with JSON
output so the finding counts compare. Side by side in one run, medians; figures only:

    .venv/bin/python bench/ruff_large_tree.py [--repeat N] [--tree DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from selfheal_local.config import Config  # noqa: E402
from selfheal_local.detect.ruff import ruff_bin, run_ruff  # noqa: E402
from selfheal_local.project import Project  # noqa: E402


def ours(tree: Path, config: Config) -> tuple[float, int, int]:
    """Seconds, files seen, findings: a fresh Project each time (the walk is part of the cost)."""
    start = time.perf_counter()
    project = Project(root=tree.resolve(), config=config)
    findings = run_ruff(project)
    elapsed = time.perf_counter() - start
    return elapsed, len(project.python_files), len(findings)


def plain(tree: Path, select: tuple[str, ...]) -> tuple[float, int, int]:
    """Seconds, files with findings, findings of plain ``ruff check`` on the same tree."""
    argv = [ruff_bin(), "check", "--isolated", "--select", ",".join(select), "--no-cache",
            "--exit-zero", "--output-format", "json", "."]
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=tree, capture_output=True, check=True)
    elapsed = time.perf_counter() - start
    items = json.loads(proc.stdout)
    return elapsed, len({i["filename"] for i in items}), len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tree", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    args = parser.parse_args()
    config = Config()
    tree = args.tree
    version = subprocess.run([ruff_bin(), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"tree {tree}, {version}, rules {','.join(config.ruff_select)}, median of {args.repeat}")
    plain(tree, config.ruff_select)  # warm the page cache for both sides
    ours_s, plain_s = [], []
    files = findings = plain_files = plain_findings = 0
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        elapsed, files, findings = ours(tree, config)
        ours_s.append(elapsed)
        elapsed, plain_files, plain_findings = plain(tree, config.ruff_select)
        plain_s.append(elapsed)
    a, b = statistics.median(ours_s), statistics.median(plain_s)
    print(f"run_ruff (selfheal): {a:.3f}s  {files} .py files in the project, {findings} findings")
    print(f"plain ruff check:    {b:.3f}s  {plain_findings} findings in {plain_files} files")
    print(f"ratio run_ruff / plain ruff: {a / b:.2f}x")
    if findings != plain_findings:
        print(f"(finding counts differ by {plain_findings - findings}: run_ruff drops files outside "
              "the project's file list, e.g. under skipped directories)")


if __name__ == "__main__":
    main()
