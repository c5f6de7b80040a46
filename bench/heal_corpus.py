"""Heal every case of a corpus with the real CLI and re-check each result independently.

    python bench/heal_corpus.py [DIR ...] [--jobs N] [--json] [--verify] [--timeout S]

A DIR is one case (a directory with ``case.toml``) or a folder of cases; default
``tests/corpus``. Each case is copied to a temp dir, healed with
``selfheal heal COPY --yes --json --no-model`` in a subprocess (fresh ``SELFHEAL_HOME`` per
case, so no case learns from another), then re-checked with a clean pytest run of the copy
(and ruff for lint/syntax cases). Prints healed/total per pattern and class, false claims
(claimed healthy while the re-check fails: must be 0), median heal time, the median ratio of
heal time to one plain pytest run, and the mutation-search candidates tried.

Plausible vs correct: a case may hold out part of its tests (``heldout = "DIR"`` in case.toml,
default ``heldout/``): they are left out of the copy that is healed and run afterwards.
**plausible** = the visible tests pass after the heal (= healed); **correct** = plausible and the
held-out tests pass too; **corrupted** = the heal left the project changed and still failing
(must be 0).

``--verify`` checks the corpus itself instead: every broken case must fail its tests (or
have ruff/syntax findings) and its reference fix (``[[fix]]`` in case.toml) must pass both.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "tests" / "corpus"
RUFF_SELECT = ("E9", "F", "B006", "B011", "E711", "E712", "E721", "E722", "PLE", "UP")
"""The detector's default selection (selfheal_local.config.DEFAULT_RUFF_SELECT)."""
STATIC_PATTERNS = ("lint", "syntax_error")
IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".selfheal", ".ruff_cache",
                                 "*.pyc", "heldout")
HELDOUT = "heldout"


@dataclass
class Outcome:
    returncode: int
    output: str
    elapsed_s: float
    timed_out: bool = False


def run(argv: list[str], cwd: Path, timeout_s: float, env: dict[str, str] | None = None
        ) -> Outcome:
    """Run argv in its own process group; kill the whole group on time-out."""
    with tempfile.TemporaryFile() as out:
        began = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, env=env)
        timed_out = False
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        elapsed = time.monotonic() - began
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    return Outcome(proc.returncode, text, elapsed, timed_out)


def clean_env(home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "SELFHEAL"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if home is not None:
        env["SELFHEAL_HOME"] = str(home)
    return env


def plain_pytest_env(project: Path | None = None) -> dict[str, str]:
    """A re-check's environment: the project's tests without the pytest plugins installed
    beside selfheal (hypothesis's alone costs a second a run), as a heal runs them; a src
    layout's ``src/`` on the path, as an editable install would put it."""
    env = {**clean_env(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    if project is not None and (project / "src").is_dir():
        env["PYTHONPATH"] = str(project / "src")
    return env


def pytest_run(project: Path, timeout_s: float = 300, paths: list[str] | None = None) -> Outcome:
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--ignore=.selfheal",
            *(paths or [])]
    return run(argv, project, timeout_s, plain_pytest_env(project))


def heldout_dir(case: Path, meta: dict) -> Path | None:
    held = case / str(meta.get("heldout", HELDOUT))
    return held if held.is_dir() and any(held.glob("test_*.py")) else None


def heldout_pass(case: Path, meta: dict, project: Path) -> bool | None:
    """Run the case's held-out tests against ``project`` (None when the case has none)."""
    held = heldout_dir(case, meta)
    if held is None:
        return None
    target = project / "tests"
    target.mkdir(exist_ok=True)
    names = []
    for test in sorted(held.glob("test_*.py")):
        shutil.copy2(test, target / f"heldout_{test.name}")
        names.append(f"tests/heldout_{test.name}")
    return pytest_ok(pytest_run(project, paths=names))


def digest(project: Path) -> dict[str, str]:
    """Every file of the project (tool caches left out) -> its sha256."""
    import hashlib

    out = {}
    for path in sorted(project.rglob("*")):
        rel = path.relative_to(project)
        if path.is_file() and not any(part in (".selfheal", "__pycache__", ".pytest_cache",
                                               ".ruff_cache") for part in rel.parts):
            out[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def pytest_ok(outcome: Outcome) -> bool:
    return outcome.returncode == 0 and not outcome.timed_out


def ruff_clean(project: Path) -> bool:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    argv = [ruff, "check", "--isolated", "--no-cache", "--select", ",".join(RUFF_SELECT),
            "--exclude", ".selfheal", "."]
    return run(argv, project, 60, clean_env()).returncode == 0


def find_cases(dirs: list[Path]) -> list[Path]:
    cases: list[Path] = []
    for d in dirs:
        if (d / "case.toml").is_file():
            cases.append(d)
        elif d.is_dir():
            cases += sorted(p.parent for p in d.glob("*/case.toml"))
    return cases


def read_case(case: Path) -> dict:
    meta = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
    meta.setdefault("class", "rule")
    meta.setdefault("pattern", "exception")
    return meta


def copy_case(case: Path, into: Path) -> Path:
    target = into / case.name
    shutil.copytree(case, target, ignore=IGNORED)
    return target


def apply_reference_fix(project: Path, fixes: list[dict]) -> None:
    """Apply the case's ``[[fix]]`` entries (each ``broken`` must occur exactly once)."""
    for fix in fixes:
        path = project / fix["file"]
        text = path.read_text(encoding="utf-8")
        if text.count(fix["broken"]) != 1:
            raise ValueError(f"{fix['file']}: 'broken' text found {text.count(fix['broken'])}x")
        path.write_text(text.replace(fix["broken"], fix["fixed"]), encoding="utf-8")


@dataclass
class CaseResult:
    case: str
    pattern: str
    klass: str
    healed: bool = False
    """plausible: the visible tests pass (and ruff, for static cases) after the heal"""
    correct: bool | None = None
    """plausible and the held-out tests pass (None: the case holds none out)"""
    corrupted: bool = False
    """the heal left the project changed and still failing"""
    claimed_healthy: bool = False
    false_claim: bool = False
    exit_code: int = -1
    heal_s: float = 0.0
    bug_s: float = 0.0
    """Seconds until the last fix that was not a lint fix was written (the whole heal when
    none was): what healing the breakage took, without the project's own lint after it."""
    pytest_s: float = 0.0
    ratio: float = 0.0
    search_tried: int = 0
    sources: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    error: str = ""


def search_tried(report: dict) -> int:
    """Search candidates the heal tried: its own count when reported, else the attempts."""
    if isinstance(report.get("search_tried"), int):
        return report["search_tried"]
    count = sum(1 for f in report.get("failed", []) for a in f.get("attempts", [])
                if a.get("source") == "search")
    return count + sum(1 for a in report.get("applied", []) if a.get("source") == "search")


def heal_project(project: Path, work: Path, timeout_s: float, selfheal: list[str],
                 memory: bool = True, lint: bool = False) -> dict:
    """Heal ``project`` in place with the CLI (fresh home under ``work``); re-check it.

    ``lint``: ask for style findings too (``--lint``: the CLI heals lint only when asked or
    when the project configures ruff)."""
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    if not memory:
        (home / "config.toml").write_text("[selfheal]\nuse_memory = false\n")
    heal = run([*selfheal, "heal", str(project), "--yes", "--json", "--no-model",
                *(["--lint"] if lint else [])], work,
               timeout_s, clean_env(home))
    report: dict = {}
    error = ""
    try:
        start = heal.output.index("{")
        report = json.JSONDecoder().raw_decode(heal.output[start:])[0]
    except ValueError:
        error = "timed out" if heal.timed_out else f"no JSON: {heal.output[-300:]!r}"
    return {
        "exit_code": heal.returncode,
        "heal_s": heal.elapsed_s,
        "bug_s": max((float(a.get("at_s") or 0.0) for a in report.get("applied", [])
                      if a.get("pattern") != "lint"), default=0.0) or heal.elapsed_s,
        "claimed_healthy": bool(report.get("healthy")) or heal.returncode == 0,
        "search_tried": search_tried(report),
        "sources": [a.get("source", "?") for a in report.get("applied", [])],
        "failures": [f"{f.get('pattern')}: {f.get('reason')}" for f in report.get("failed", [])],
        "error": error,
        "tests_pass": pytest_ok(pytest_run(project)),
    }


def heal_case(case: Path, timeout_s: float, selfheal: list[str], memory: bool = True
              ) -> CaseResult:
    meta = read_case(case)
    result = CaseResult(case.name, meta["pattern"], meta["class"])
    with tempfile.TemporaryDirectory(prefix="heal-corpus-") as tmp:
        tmp_path = Path(tmp)
        plain = copy_case(case, tmp_path / "plain")
        result.pytest_s = pytest_run(plain).elapsed_s
        project = copy_case(case, tmp_path / "work")
        before = digest(project)
        got = heal_project(project, tmp_path, timeout_s, selfheal, memory,
                           lint=meta["pattern"] == "lint")
        healed = got.pop("tests_pass")
        for key, value in got.items():
            setattr(result, key, value)
        result.ratio = result.heal_s / result.pytest_s if result.pytest_s else 0.0
        if meta["pattern"] in STATIC_PATTERNS:
            healed = healed and ruff_clean(project)
        result.healed = healed
        result.false_claim = result.claimed_healthy and not healed
        result.corrupted = not healed and digest(project) != before
        held = heldout_pass(case, meta, project) if healed else None
        result.correct = (healed and held) if heldout_dir(case, meta) else None
    return result


def verify_case(case: Path) -> tuple[bool, str]:
    """The broken case really fails; its reference fix really passes."""
    meta = read_case(case)
    with tempfile.TemporaryDirectory(prefix="verify-corpus-") as tmp:
        broken = copy_case(case, Path(tmp) / "broken")
        fails = not pytest_ok(pytest_run(broken)) or not ruff_clean(broken)
        if not fails:
            return False, "broken version passes its tests and ruff"
        fixed = copy_case(case, Path(tmp) / "fixed")
        try:
            apply_reference_fix(fixed, meta.get("fix", []))
        except (ValueError, KeyError, OSError) as exc:
            return False, f"reference fix does not apply: {exc}"
        if not meta.get("fix"):
            return False, "no [[fix]] reference in case.toml"
        outcome = pytest_run(fixed)
        if not pytest_ok(outcome):
            return False, "reference fix fails its tests: " + outcome.output[-300:]
        if not ruff_clean(fixed):
            return False, "reference fix leaves ruff findings"
        if heldout_pass(case, meta, fixed) is False:
            return False, "reference fix fails the held-out tests"
    return True, "ok"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def summarise(results: list[CaseResult]) -> dict:
    def group(key: str) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = defaultdict(lambda: {"healed": 0, "total": 0})
        for r in results:
            table[getattr(r, key)]["total"] += 1
            table[getattr(r, key)]["healed"] += int(r.healed)
        return dict(sorted(table.items()))

    rule_ratios = [r.ratio for r in results if r.klass == "rule" and r.healed]
    with_heldout = [r for r in results if r.correct is not None]
    return {
        "cases": len(results),
        "healed": sum(r.healed for r in results),
        "plausible": sum(r.healed for r in results),
        "with_heldout": len(with_heldout),
        "plausible_with_heldout": sum(r.healed for r in with_heldout),
        "correct": sum(bool(r.correct) for r in with_heldout),
        "corrupted": sum(r.corrupted for r in results),
        "false_claims": sum(r.false_claim for r in results),
        "per_pattern": group("pattern"),
        "per_class": group("klass"),
        "median_heal_s": round(median([r.heal_s for r in results]), 2),
        "median_ratio": round(median([r.ratio for r in results if r.healed]), 2),
        "median_ratio_rule": round(median(rule_ratios), 2),
        "search_tried_total": sum(r.search_tried for r in results),
        "search_tried_median": median([r.search_tried for r in results if r.search_tried]),
    }


def print_table(results: list[CaseResult], summary: dict) -> None:
    print(f"{'case':<52}{'class':<8}{'healed':<8}{'correct':<8}{'claim':<7}{'heal s':>8}"
          f"{'ratio':>7}{'tried':>7}  sources")
    for r in results:
        correct = "-" if r.correct is None else "yes" if r.correct else "NO"
        if r.corrupted:
            correct = "CORRUPT"
        print(f"{r.case:<52}{r.klass:<8}{'yes' if r.healed else 'NO':<8}{correct:<8}"
              f"{'ok' if r.claimed_healthy else '-':<7}{r.heal_s:>8.1f}{r.ratio:>7.1f}"
              f"{r.search_tried:>7}  {','.join(r.sources)} {r.error}")
    print()
    for title, key in (("pattern", "per_pattern"), ("class", "per_class")):
        print(f"{title:<28}healed/total")
        for name, row in summary[key].items():
            print(f"  {name:<26}{row['healed']}/{row['total']}")
    print(f"\nhealed {summary['healed']}/{summary['cases']}   false claims "
          f"{summary['false_claims']}   median heal {summary['median_heal_s']}s   median ratio "
          f"heal/pytest {summary['median_ratio']} (rule class {summary['median_ratio_rule']})"
          f"   search candidates tried {summary['search_tried_total']} "
          f"(median {summary['search_tried_median']} where searched)")
    print(f"plausible {summary['plausible']}/{summary['cases']}   of the "
          f"{summary['with_heldout']} cases with held-out tests: plausible "
          f"{summary['plausible_with_heldout']}, correct {summary['correct']}   corrupted "
          f"{summary['corrupted']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[DEFAULT_CORPUS])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verify", action="store_true", help="check the corpus itself")
    parser.add_argument("--timeout", type=float, default=600.0, help="per heal, seconds")
    parser.add_argument("--no-memory", action="store_true",
                        help="heal with the fix memory off (config use_memory = false)")
    parser.add_argument("--selfheal", default=f"{sys.executable} -m selfheal_local",
                        help="command that runs the CLI")
    args = parser.parse_args(argv)
    cases = find_cases([d.resolve() for d in args.dirs])
    if not cases:
        print("no cases found (a case is a directory with case.toml)", file=sys.stderr)
        return 2
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        if args.verify:
            verdicts = list(pool.map(verify_case, cases))
            bad = [(c.name, why) for c, (ok, why) in zip(cases, verdicts, strict=True) if not ok]
            for case, (ok, why) in zip(cases, verdicts, strict=True):
                print(f"{'ok ' if ok else 'BAD'} {case.name}: {why}")
            print(f"\n{len(cases) - len(bad)}/{len(cases)} cases verified")
            return 1 if bad else 0
        results = list(pool.map(lambda c: heal_case(c, args.timeout, args.selfheal.split(),
                                                  not args.no_memory),
                                cases))
    summary = summarise(results)
    if args.json:
        print(json.dumps({"summary": summary, "cases": [asdict(r) for r in results]}, indent=2))
    else:
        print_table(results, summary)
    return 1 if summary["false_claims"] or summary["corrupted"] else 0


if __name__ == "__main__":
    sys.exit(main())
