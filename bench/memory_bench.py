"""Fix memory figures: embedding throughput, recall latency by table size, recurring-error heals.

Prints figures, no thresholds (goals: recall p95 < 10 ms at 100k fixes, query embedding
counted separately; a recurring error heals >= 6x faster than the first time when the first
time needed mutation search):

    .venv/bin/python bench/memory_bench.py [--sizes 1000 10000 100000] [--queries 200] [--no-heal]

Table rows beyond the few hundred real signatures reuse real embeddings with a little noise
(embedding 100k texts on a shared CPU would take the benchmark's whole budget); every query
is a real search of the real LanceDB table through ``FixMemory.search_vector``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PATTERNS = ("undefined_variable", "attribute_error", "type_error", "import_error", "key_error",
            "index_error", "zero_division_error", "value_error")
EXCEPTIONS = ("NameError", "AttributeError", "TypeError", "ModuleNotFoundError", "KeyError",
              "IndexError", "ZeroDivisionError", "ValueError")
SHAPES = ("return {a} + {b}", "{a} = {b}.{c}({a})", "total = sum({a}) / {b}", "{a}[{b}] = {c}",
          "if {a} < len({b}):", "for {a} in range({b}):", "self.{a} = {b}({c})",
          "return {a}.get({b})")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def signatures(n: int) -> list[str]:
    from selfheal_local.memory.signature import abstract_line

    out = []
    for i in range(n):
        exc = EXCEPTIONS[i % len(EXCEPTIONS)]
        line = SHAPES[(i // len(EXCEPTIONS)) % len(SHAPES)].format(a=f"v{i}", b="items", c="fn")
        out.append(f"{exc}: message <id> variant {i % 37} | pattern: {PATTERNS[i % 8]} | "
                   f"line: {abstract_line(line)}")
    return out


def bench_embedding(embedder, n: int = 512) -> tuple[list[list[float]], list[str]]:
    texts = signatures(n)
    embedder.embed(texts[:8])  # warm
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    elapsed = time.perf_counter() - start
    single = []
    for text in texts[:50]:
        t0 = time.perf_counter()
        embedder.embed([text])
        single.append((time.perf_counter() - t0) * 1000)
    print(f"embedding throughput: {n / elapsed:8.1f} signatures/s (batch 64, CPU, {n} texts, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"query embedding:      p50 {pct(single, .5):6.2f} ms   p95 {pct(single, .95):6.2f} ms")
    return vectors, texts


def bench_recall(embedder, sizes: list[int], queries: int) -> None:
    import numpy as np

    from selfheal_local.memory.store import FixMemory

    base, texts = bench_embedding(embedder)
    base_arr = np.asarray(base, dtype="float32")
    rng = np.random.default_rng(7)
    home = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    memory = FixMemory.at_home(home, embedder, ann_threshold=5000, optimize_every=10**9)
    stored = 0
    try:
        for size in sizes:
            while stored < size:
                batch = min(10_000, size - stored)
                idx = np.arange(stored, stored + batch)
                vecs = base_arr[idx % len(base_arr)] + rng.normal(0, 0.03, (batch, base_arr.shape[1]))
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
                pairs = [{"id": f"b{i}", "input": texts[i % len(texts)], "output": f"fix {i}",
                          "created_at": "2026-01-01T00:00:00+00:00",
                          "metadata": {"pattern": PATTERNS[i % 8],
                                       "signature": texts[i % len(texts)]}} for i in idx]
                t0 = time.perf_counter()
                memory.store_pairs(pairs, vectors=vecs.astype("float32").tolist())
                stored += batch
            t0 = time.perf_counter()
            memory.maintain()
            maintain_s = time.perf_counter() - t0
            qidx = rng.integers(0, len(base_arr), queries)
            qvecs = base_arr[qidx] + rng.normal(0, 0.03, (queries, base_arr.shape[1]))
            qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
            for q in qvecs[:10]:  # warm caches
                memory.search_vector(q.tolist(), 5, PATTERNS[0])
            times = []
            for q, i in zip(qvecs, qidx, strict=True):
                t0 = time.perf_counter()
                hits = memory.search_vector(q.tolist(), 5, PATTERNS[int(i) % 8])
                times.append((time.perf_counter() - t0) * 1000)
                assert hits and all(h["pattern"] == PATTERNS[int(i) % 8] for h in hits)
            kinds = sorted({i["type"] for i in memory.stats()["indexes"] if i["table"] == "fixes"})
            print(f"recall at {size:>7,} fixes: p50 {pct(times, .5):6.2f} ms   "
                  f"p95 {pct(times, .95):6.2f} ms   (k=5, pattern filter; maintain "
                  f"{maintain_s:5.1f} s; indexes {', '.join(kinds)})")
    finally:
        shutil.rmtree(home, ignore_errors=True)


RECURRING = {
    "shop/pricing.py": """
        def final_price(price, quantity, rate):
            if quantity >= 10 and price > 0:
                return round(price * quantity * (1 + rate), 2)
            return round(price * quantity, 2)
    """,
    "tests/test_pricing.py": """
        from shop.pricing import final_price

        def test_bulk_discount():
            assert final_price(2.0, 10, 0.1) == 18.0

        def test_single_item():
            assert final_price(2.0, 1, 0.1) == 2.0
    """,
}
"""A logic slip only the mutation search finds the first time (``1 + rate`` for ``1 - rate``),
behind a dozen likelier mutants."""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text).lstrip("\n"))
    (root / "shop" / "__init__.py").touch()
    (root / "tests" / "__init__.py").touch()
    return root


def bench_recurring(embedder) -> None:
    from selfheal_local.factory import open_healer
    from selfheal_local.memory.store import FixMemory

    tmp = Path(tempfile.mkdtemp(prefix="memory-heal-"))
    try:
        memory = FixMemory.at_home(tmp / "home", embedder)
        overrides = {"use_model": False, "home": str(tmp / "home")}
        fix_s: dict[str, float] = {}
        for label in ("first time", "seen before"):
            root = write(tmp / label.replace(" ", "_"), RECURRING)
            healer = open_healer(root, overrides, memory=memory)
            t0 = time.perf_counter()
            healer.scan()
            scan_s = time.perf_counter() - t0
            t1 = time.perf_counter()
            outcome = healer.fix(healer.findings[0])
            fix_s[label] = time.perf_counter() - t1
            if outcome.patch is not None:
                healer.apply(outcome, accepted_by="auto")
            total = time.perf_counter() - t0
            tried = len(outcome.attempts)
            print(f"heal, {label:<12}: fix {fix_s[label]:6.2f} s ({tried} candidate(s) validated, "
                  f"source {outcome.patch.source if outcome.patch else None}); scan "
                  f"{scan_s:5.2f} s; whole heal {total:6.2f} s")
        if fix_s["seen before"] > 0:
            print(f"recurring error, fix step speed-up: "
                  f"{fix_s['first time'] / fix_s['seen before']:.1f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-heal", action="store_true", help="skip the heal-time figures")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads for embedding (default 1; 0 = torch's choice)")
    args = parser.parse_args()
    from selfheal_local.memory.embedder import Embedder, bundled_model_dir

    t0 = time.perf_counter()
    embedder = Embedder(bundled_model_dir(), threads=args.threads or None)
    embedder.embed(["warm up"])
    print(f"model load:           {time.perf_counter() - t0:6.2f} s ({embedder.model_id})")
    bench_recall(embedder, args.sizes, args.queries)
    if not args.no_heal:
        bench_recurring(embedder)


if __name__ == "__main__":
    main()
