"""Inject single realistic bugs into real PyPI packages and see how many the heal fixes.

    python bench/mutate_packages.py [--package NAME==VERSION ...] [--per-operator N]
                                    [--seed S] [--jobs N] [--json] [--cache DIR]

Each package's sdist is fetched with ``pip download --no-binary :all: --no-deps`` (its tests
ship in the sdist and run with plain pytest). For each operator (rename a local, delete an
import, typo a stdlib attribute, drop a colon, ±1 on a bound, flip a comparison, and the
search's catalogue kinds: another variable or attribute, another literal, a spurious clause or
``not``, ``is``/``==``, ``in``/``not in``, a similar method, ``+=``/``=``, ``/``/``//``, swapped
or dropped arguments) sites are drawn at random (seeded) until one makes the package's visible
tests fail: only such mutants count. A quarter of the package's test functions (every 4th by
collection order, with all their parameters) is held out: a root ``conftest.py`` deselects them
during the heal; afterwards they run.
Each mutant is healed with ``selfheal heal --yes --json --no-model`` and re-checked with a
clean pytest run. Prints per operator: plausible (the visible tests pass), correct (the held-out
tests pass too; "no-held" where a package has too few test functions to hold one out),
corrupted (left changed and still failing: must be 0), and false claims (must be 0).

Cost: each package's visible suite is also run plainly (the bench's own pytest run, as a
person would run it) before and after its heals, in the same run; per package the median heal
is stated as a multiple of the median plain run ("suite runs"): the heal of the bug (until its
fix is written) and the whole heal (with the lint the project's own ruff configuration asks
for afterwards): the issue's measure for a package whose suite takes 10 s or more
(``--package more-itertools==10.7.0``: its suite takes 10-25 s here, with the machine's load).
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from heal_corpus import (  # noqa: E402
    IGNORED,
    digest,
    heal_project,
    plain_pytest_env,
    pytest_ok,
    pytest_run,
)

from selfheal_local.fixers.mutations import SourceText, mutations_of  # noqa: E402

DEFAULT_PACKAGES = ("inflection==0.5.1", "six==1.17.0", "cachetools==5.5.2", "idna==3.10",
                    "text-unidecode==1.3", "isodate==0.7.2", "toolz==1.0.0")
"""Small pure-Python packages whose sdists carry fast, dependency-free pytest suites."""
CATALOGUE_KINDS = ("var", "attr", "literal", "conjunct", "not", "identity", "membership",
                   "method", "augassign", "div", "swap_args", "arg_remove")
"""The search's own operator kinds, injected as bugs (each has its inverse in the catalogue)."""
OPERATORS = ("rename_local", "delete_import", "typo_stdlib_attr", "drop_colon", "bound_pm1",
             "flip_compare", *CATALOGUE_KINDS)
HOLDOUT_EVERY = 4
DESELECT = '''
# selfheal bench: tests held out of the heal (run afterwards)
import pathlib as _pathlib

_HELD = set(_pathlib.Path(__file__).with_name(".heldout-tests").read_text().split("\\n")) - {""}


def pytest_collection_modifyitems(config, items):
    # by test function: parametrized ids can be renamed from run to run
    held = [i for i in items if i.nodeid.split("[")[0] in _HELD]
    config.hook.pytest_deselected(items=held)
    items[:] = [i for i in items if i.nodeid.split("[")[0] not in _HELD]
'''
STDLIB = frozenset(sys.stdlib_module_names)
FLIPS = {ast.Lt: ("<", "<="), ast.LtE: ("<=", "<"), ast.Gt: (">", ">="), ast.GtE: (">=", ">"),
         ast.Eq: ("==", "!="), ast.NotEq: ("!=", "==")}

Mutant = tuple[str, str, str]
"""(description, relative file, new text)"""


def typo(name: str) -> str:
    """A plausible slip: two neighbouring letters swapped (or the last one doubled)."""
    for i in range(len(name) // 2, len(name) - 1):
        if name[i] != name[i + 1] and name[i].isalpha() and name[i + 1].isalpha():
            return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name + name[-1]


def sites(op: str, src: SourceText, tree: ast.Module) -> Iterator[tuple[str, int, int, str]]:
    """(description, start, end, replacement) for every place ``op`` applies."""
    text = src.text
    if op == "rename_local":
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            stored = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ast.Store) and len(n.id) >= 4}
            for n in ast.walk(fn):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in stored:
                    s, e = src.span(n)
                    yield f"renamed local '{n.id}' to '{typo(n.id)}' line {n.lineno}", s, e, \
                        typo(n.id)
    elif op == "delete_import":
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom) and node.lineno == node.end_lineno:
                s = src.starts[node.lineno - 1]
                yield f"deleted import line {node.lineno}", s, src.starts[node.lineno], ""
    elif op == "typo_stdlib_attr":
        modules = {a.asname or a.name for n in tree.body if isinstance(n, ast.Import)
                   for a in n.names if a.name.split(".")[0] in STDLIB}
        for n in ast.walk(tree):
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) \
                    and n.value.id in modules and len(n.attr) >= 3:
                end = src.offset(n.end_lineno, n.end_col_offset)
                start = end - len(n.attr)
                yield f"typo '{n.value.id}.{n.attr}' -> '{typo(n.attr)}' line {n.lineno}", \
                    start, end, typo(n.attr)
    elif op == "drop_colon":
        for n in ast.walk(tree):
            if isinstance(n, ast.If | ast.For | ast.While | ast.FunctionDef) and n.body:
                header_end = src.line_end(n.lineno)
                if n.body[0].lineno > n.lineno and text[header_end - 1] == ":":
                    yield f"dropped colon line {n.lineno}", header_end - 1, header_end, ""
    elif op == "bound_pm1":
        for n in ast.walk(tree):
            parts = ([n.slice] if isinstance(n, ast.Subscript) else
                     n.comparators if isinstance(n, ast.Compare) else [])
            for c in parts:
                if isinstance(c, ast.Constant) and type(c.value) is int:
                    s, e = src.span(c)
                    new = str(c.value + 1)
                    yield f"bound {c.value} -> {new} line {c.lineno}", s, e, new
    elif op in CATALOGUE_KINDS:
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for m in mutations_of(src, fn, tree):
                if m.kind != op or (op == "conjunct" and not m.description.startswith("added")):
                    continue
                if op == "arg_remove" and "=" not in m.description:
                    continue  # drop a keyword argument: the fix passes it again
                if len(m.splices) == 1:
                    s, e, new = m.splices[0]
                    yield f"{m.description} line {m.line}", s, e, new
    elif op == "flip_compare":
        for n in ast.walk(tree):
            if isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in FLIPS:
                old, new = FLIPS[type(n.ops[0])]
                s = src.offset(n.left.end_lineno, n.left.end_col_offset)
                e = src.offset(n.comparators[0].lineno, n.comparators[0].col_offset)
                gap = text[s:e]
                if gap.count(old) == 1 and "#" not in gap:
                    at = s + gap.index(old)
                    yield f"'{old}' -> '{new}' line {n.lineno}", at, at + len(old), new


def fetch(spec: str, cache: Path) -> Path:
    """The extracted sdist of ``spec`` (downloaded once into ``cache``)."""
    cache.mkdir(parents=True, exist_ok=True)
    name = spec.split("==")[0].lower().replace("-", "_")
    def archives() -> list[Path]:
        return [p for p in cache.glob("*.tar.gz")
                if p.name.lower().replace("-", "_").startswith(name + "_")]

    if not archives():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:",
                        "--no-deps", "-q", "-d", str(cache), spec], check=True, timeout=300)
    if not archives():
        raise SystemExit(f"pip download of {spec} gave no sdist in {cache}")
    archive = archives()[0]
    target = cache / "src" / archive.name.removesuffix(".tar.gz")
    if not target.exists():
        with tarfile.open(archive) as tar:
            tar.extractall(cache / "src", filter="data")
    return target


def source_files(root: Path) -> list[str]:
    skip = ("setup.py", "conftest.py", "docs/", "doc/", "documentation/", "tests/", "test/")
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*.py")
        if not p.name.startswith("test_") and not p.relative_to(root).as_posix().startswith(skip)
        and ".egg-info" not in p.as_posix() and "/tests/" not in p.as_posix()
    )


def collected(root: Path) -> list[str]:
    """The package's test ids in collection order."""
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider"], cwd=root, capture_output=True, text=True,
                         timeout=300, env=plain_pytest_env(root)).stdout
    return [line.strip() for line in out.splitlines() if "::" in line]


def hold_out(root: Path) -> list[str]:
    """Deselect every HOLDOUT_EVERY-th test of ``root`` (a copy) via a root conftest.py."""
    # whole test functions (all their parameters): parametrized ids made from unordered data
    # (a set holding None) name the cases differently in every run
    functions = list(dict.fromkeys(t.split("[")[0] for t in collected(root)))
    held = functions[HOLDOUT_EVERY - 1::HOLDOUT_EVERY]
    (root / ".heldout-tests").write_text("\n".join(held), encoding="utf-8")
    conftest = root / "conftest.py"
    before = conftest.read_text(encoding="utf-8") if conftest.exists() else ""
    conftest.write_text(before + DESELECT, encoding="utf-8")
    return held


def release(root: Path, held: list[str]) -> bool | None:
    """Drop the deselection and run the held-out tests (None when there are none)."""
    conftest = root / "conftest.py"
    text = conftest.read_text(encoding="utf-8")
    conftest.write_text(text.replace(DESELECT, ""), encoding="utf-8")
    if not held:
        return None
    return pytest_ok(pytest_run(root, paths=held))


def find_mutants(root: Path, per_operator: int, seed: int, tries: int = 12,
                 kinds: tuple[str, ...] = OPERATORS) -> list[Mutant]:
    """Mutants that really make the package's visible tests fail, ``per_operator`` of each
    kind (``root`` already holds its tests out)."""
    found: list[Mutant] = []
    rng = random.Random(seed)
    files = source_files(root)
    for op in kinds:
        candidates = []
        for rel in files:
            text = (root / rel).read_text(encoding="utf-8")
            src = SourceText(text)
            candidates += [(rel, text, *site) for site in sites(op, src, ast.parse(text))]
        rng.shuffle(candidates)
        kept = 0
        for rel, text, desc, start, end, new in candidates[:tries]:
            if kept >= per_operator:
                break
            with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
                copy = Path(tmp) / root.name
                shutil.copytree(root, copy, ignore=IGNORED)
                (copy / rel).write_text(text[:start] + new + text[end:], encoding="utf-8")
                if not pytest_ok(pytest_run(copy)):
                    found.append((f"{op}: {desc}", rel, text[:start] + new + text[end:]))
                    kept += 1
    return found


@dataclass
class MutantResult:
    package: str
    operator: str
    mutation: str
    file: str
    healed: bool
    correct: bool | None
    corrupted: bool
    claimed_healthy: bool
    false_claim: bool
    heal_s: float
    bug_s: float
    sources: list[str]
    failures: list[str]


def heal_mutant(package: str, root: Path, mutant: Mutant, timeout_s: float,
                selfheal: list[str], memory: bool) -> MutantResult:
    desc, rel, text = mutant
    with tempfile.TemporaryDirectory(prefix="heal-mutant-") as tmp:
        copy = Path(tmp) / root.name
        shutil.copytree(root, copy, ignore=IGNORED)
        (copy / rel).write_text(text, encoding="utf-8")
        before = digest(copy)
        got = heal_project(copy, Path(tmp), timeout_s, selfheal, memory)
        healed = got["tests_pass"]
        corrupted = not healed and digest(copy) != before
        held = [t for t in (copy / ".heldout-tests").read_text().split("\n") if t]
        correct = release(copy, held) if healed else (None if not held else False)
    return MutantResult(package, desc.split(":")[0], desc, rel, healed, correct, corrupted,
                        got["claimed_healthy"],
                        got["claimed_healthy"] and not healed, round(got["heal_s"], 1),
                        round(got["bug_s"], 1), got["sources"], got["failures"] + ([got["error"]] if got["error"] else []))


def plain_suite_s(root: Path) -> float:
    """One plain pytest run of ``root``'s visible suite, as a person runs it (seconds)."""
    return round(pytest_run(root, timeout_s=1800).elapsed_s, 2)


def suite_cost(bugs: list[float], heals: list[float], plain: list[float]
               ) -> dict[str, float | None]:
    """The median heal of the bug (until its fix was written: ``bug_s``) and of the whole heal
    (with the lint the project's own ruff configuration asks for after it) as multiples of the
    median plain run of the same suite."""
    median_plain = statistics.median(plain)

    def runs(times: list[float]) -> tuple[float | None, float | None]:
        median = statistics.median(times) if times else None
        return median, (round(median / median_plain, 2)
                        if median is not None and median_plain else None)

    (bug, bug_runs), (heal, heal_runs) = runs(bugs), runs(heals)
    return {"plain_suite_s": round(median_plain, 2), "median_bug_heal_s": bug,
            "suite_runs": bug_runs, "median_heal_s": heal, "heal_suite_runs": heal_runs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", action="append", default=None)
    parser.add_argument("--per-operator", type=int, default=1)
    parser.add_argument("--operator", action="append", default=None, choices=OPERATORS,
                        help="only these mutation kinds (repeatable)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "selfheal-pkgs")
    parser.add_argument("--selfheal", default=f"{sys.executable} -m selfheal_local")
    args = parser.parse_args(argv)
    jobs: list[tuple[str, Path, Mutant]] = []
    roots: dict[str, Path] = {}
    kinds = tuple(args.operator or OPERATORS)
    for spec in args.package or DEFAULT_PACKAGES:
        pristine = fetch(spec, args.cache)
        if not pytest_ok(pytest_run(pristine)):
            print(f"skipping {spec}: its own tests do not pass unmodified", file=sys.stderr)
            continue
        root = args.cache / "held" / pristine.name
        if root.exists() and DESELECT not in (root / "conftest.py").read_text(encoding="utf-8"):
            shutil.rmtree(root)  # held out by an older version of this bench
        if not root.exists():
            shutil.copytree(pristine, root, ignore=IGNORED)
            hold_out(root)
        found = find_mutants(root, args.per_operator, args.seed, kinds=kinds)
        print(f"{spec}: {len(found)} mutants", file=sys.stderr, flush=True)
        jobs += [(spec, root, m) for m in found]
        roots[spec] = root
    plain = {spec: [plain_suite_s(root)] for spec, root in roots.items()}
    print(f"{len(jobs)} mutants found; healing", file=sys.stderr, flush=True)

    def heal(job: tuple[str, Path, Mutant]) -> MutantResult:
        result = heal_mutant(*job, args.timeout, args.selfheal.split(), not args.no_memory)
        state = "CORRUPT" if result.corrupted else "healed" if result.healed else "NOT"
        print(f"{result.package:<20}{state:<8}{'correct' if result.correct else '-':<8}"
              f"{'FALSE-CLAIM' if result.false_claim else '':<12}{result.heal_s:>7.1f}s  "
              f"(bug {result.bug_s:.1f}s)  {result.mutation}", file=sys.stderr, flush=True)
        return result

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(heal, jobs))
    for spec, root in roots.items():
        plain[spec].append(plain_suite_s(root))
    suite_runs = {spec: suite_cost([r.bug_s for r in results if r.package == spec],
                                   [r.heal_s for r in results if r.package == spec], times)
                  for spec, times in plain.items()}
    per_op: dict[str, list[int]] = {}
    for r in results:
        row = per_op.setdefault(r.operator, [0, 0, 0])
        row[0] += int(r.healed)
        row[1] += int(bool(r.correct))
        row[2] += 1
    healed = sum(r.healed for r in results)
    unknown = sum(r.healed and r.correct is None for r in results)
    summary = {"mutants": len(results), "healed": healed, "plausible": healed,
               "correct": sum(bool(r.correct) for r in results),
               "plausible_without_held_out_tests": unknown,
               "corrupted": sum(r.corrupted for r in results),
               "rate": round(healed / len(results), 3) if results else 0.0,
               "false_claims": sum(r.false_claim for r in results),
               "median_heal_s": statistics.median([r.heal_s for r in results]) if results else 0,
               "per_operator": per_op, "suite_runs": suite_runs}
    if args.json:
        print(json.dumps({"summary": summary, "mutants": [asdict(r) for r in results]}, indent=2))
    else:
        for r in results:
            state = "CORRUPT" if r.corrupted else "correct" if r.correct else (
                "no-held" if r.healed and r.correct is None else "plausbl" if r.healed else "NOT")
            print(f"{r.package:<20}{state:<8}"
                  f"{'claim' if r.claimed_healthy else '-':<7}{r.heal_s:>7.1f}s  {r.mutation}"
                  f"  [{','.join(r.sources)}] {'; '.join(r.failures)[:120]}")
        print(f"  {'operator':<20}plausible correct total")
        for op, (ok, right, total) in sorted(per_op.items()):
            print(f"  {op:<20}{ok:>9}{right:>8}{total:>6}")
        print(f"plausible {healed}/{len(results)} ({summary['rate']:.0%}), correct "
              f"{summary['correct']} of the {healed - unknown} plausible with held-out tests "
              f"({unknown} from packages too small to hold any out), corrupted "
              f"{summary['corrupted']}, false claims "
              f"{summary['false_claims']}, median heal {summary['median_heal_s']}s")
        for spec, cost in suite_runs.items():
            print(f"  {spec}: plain suite {cost['plain_suite_s']}s; median heal of the bug "
                  f"{cost['median_bug_heal_s']}s = {cost['suite_runs']} suite runs; whole heal "
                  f"(with the project's own lint) {cost['median_heal_s']}s = "
                  f"{cost['heal_suite_runs']} suite runs")
    return 1 if summary["false_claims"] or summary["corrupted"] else 0


if __name__ == "__main__":
    sys.exit(main())
