"""Does the agent get better with use? Replay of renamed variants, measured side by side.

    python bench/learning_bench.py [DIR ...] [--classes search] [--timeout S] [--json]

For every corpus case (default ``tests/corpus``, search class: rules run before memory, so a
rule-class bug is healed by its rule again and says nothing about replay): heal a copy in a
fresh ``SELFHEAL_HOME`` with memory on (the first heal), then heal a *renamed variant* of it
(``bench/rename_variant.py``: other module, function and variable names, the same bug shape)
in a second project with the same home (the second heal). A variant counts only when it is
broken and its renamed reference fix heals it. Printed: how many second heals were replayed from
memory (an applied fix with source ``memory``), how many healed, and the median ratios first /
second of the fix step (``fix_s`` in ``heal --json``) and of the whole heal, measured in one
run on one machine. Nothing here is a threshold: the figures are for the README.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from heal_corpus import (  # noqa: E402
    DEFAULT_CORPUS,
    STATIC_PATTERNS,
    apply_reference_fix,
    clean_env,
    copy_case,
    find_cases,
    pytest_ok,
    pytest_run,
    read_case,
    ruff_clean,
    run,
)
from rename_variant import make_variant  # noqa: E402


@dataclass
class Heal:
    healed: bool = False
    sources: list[str] = field(default_factory=list)
    fix_s: float = 0.0
    heal_s: float = 0.0
    error: str = ""


@dataclass
class CaseResult:
    case: str
    klass: str
    variant_ok: bool = False
    why: str = ""
    first: Heal = field(default_factory=Heal)
    second: Heal = field(default_factory=Heal)

    @property
    def replayed(self) -> bool:
        return "memory" in self.second.sources and self.second.healed


def heal(project: Path, home: Path, static: bool, timeout_s: float, selfheal: list[str]) -> Heal:
    got = run([*selfheal, "heal", str(project), "--yes", "--json", "--no-model"], project.parent,
              timeout_s, clean_env(home))
    out = Heal(heal_s=got.elapsed_s)
    try:
        report = json.JSONDecoder().raw_decode(got.output[got.output.index("{"):])[0]
    except ValueError:
        out.error = "timed out" if got.timed_out else f"no JSON: {got.output[-200:]!r}"
        return out
    applied = report.get("applied", [])
    out.sources = [a.get("source", "?") for a in applied]
    out.fix_s = sum(float(a.get("fix_s", 0.0)) for a in applied)
    out.healed = pytest_ok(pytest_run(project)) and (not static or ruff_clean(project))
    return out


def check_variant(variant: Path, meta: dict) -> str:
    """"" when the variant is broken and its renamed reference fix heals it, else why not."""
    with tempfile.TemporaryDirectory(prefix="learning-check-") as tmp:
        broken = copy_case(variant, Path(tmp) / "broken")
        if pytest_ok(pytest_run(broken)) and ruff_clean(broken):
            return "the renamed variant is not broken"
        fixed = copy_case(variant, Path(tmp) / "fixed")
        try:
            apply_reference_fix(fixed, read_case(variant).get("fix", []))
        except (ValueError, OSError) as exc:
            return f"reference fix does not apply to the variant: {exc}"
        if not pytest_ok(pytest_run(fixed)):
            return "the renamed reference fix does not pass the variant's tests"
    return ""


def bench_case(case: Path, timeout_s: float, selfheal: list[str]) -> CaseResult:
    meta = read_case(case)
    result = CaseResult(case.name, meta["class"])
    static = meta["pattern"] in STATIC_PATTERNS
    with tempfile.TemporaryDirectory(prefix="learning-") as tmp:
        tmp_path = Path(tmp)
        variant = tmp_path / "variant-src"
        make_variant(case, variant)
        result.why = check_variant(variant, meta)
        result.variant_ok = not result.why
        if not result.variant_ok:
            return result
        home = tmp_path / "home"
        home.mkdir()
        result.first = heal(copy_case(case, tmp_path / "a"), home, static, timeout_s, selfheal)
        if result.first.healed:
            result.second = heal(copy_case(variant, tmp_path / "b"), home, static, timeout_s,
                                 selfheal)
    return result


def ratio(a: float, b: float) -> float:
    return a / b if b > 0 else 0.0


def summarise(results: list[CaseResult]) -> dict:
    usable = [r for r in results if r.variant_ok and r.first.healed]
    replayed = [r for r in usable if r.replayed]
    return {
        "cases": len(results),
        "variants_ok": sum(r.variant_ok for r in results),
        "first_healed": len(usable),
        "second_healed": sum(r.second.healed for r in usable),
        "replayed": len(replayed),
        "replayed_share": round(ratio(len(replayed), len(usable)), 3),
        "median_fix_step_ratio": round(statistics.median(
            [ratio(r.first.fix_s, r.second.fix_s) for r in replayed]), 2) if replayed else 0.0,
        "median_heal_ratio": round(statistics.median(
            [ratio(r.first.heal_s, r.second.heal_s) for r in replayed]), 2) if replayed else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[DEFAULT_CORPUS])
    parser.add_argument("--classes", default="search",
                        help="case classes to run (comma-separated; default search: a rule-class "
                             "bug is healed by its rule again, which comes before memory)")
    parser.add_argument("--timeout", type=float, default=600.0, help="per heal, seconds")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--selfheal", default=f"{sys.executable} -m selfheal_local")
    args = parser.parse_args(argv)
    classes = set(args.classes.split(","))
    cases = [c for c in find_cases([d.resolve() for d in args.dirs])
             if read_case(c)["class"] in classes]
    if not cases:
        print("no cases found (a case is a directory with case.toml)", file=sys.stderr)
        return 2
    results = []
    for case in cases:
        r = bench_case(case, args.timeout, args.selfheal.split())
        results.append(r)
        if not args.json:
            state = ("variant unusable: " + r.why) if not r.variant_ok else \
                "first heal failed" if not r.first.healed else \
                f"second: {'+'.join(r.second.sources) or 'nothing'}" + \
                ("" if r.second.healed else " (not healed)")
            print(f"{r.case:55} fix {r.first.fix_s:6.2f}s -> {r.second.fix_s:6.2f}s  "
                  f"heal {r.first.heal_s:6.2f}s -> {r.second.heal_s:6.2f}s  {state}", flush=True)
    summary = summarise(results)
    if args.json:
        print(json.dumps({"summary": summary, "cases": [asdict(r) for r in results]}, indent=2))
    else:
        print(f"\nreplayed from memory: {summary['replayed']}/{summary['first_healed']} "
              f"({summary['replayed_share']:.0%}); second heals healed: "
              f"{summary['second_healed']}/{summary['first_healed']}; "
              f"variants usable: {summary['variants_ok']}/{summary['cases']}")
        print(f"median fix step first/second: {summary['median_fix_step_ratio']}x; "
              f"median whole heal first/second: {summary['median_heal_ratio']}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
