"""Benchmark: the matching index at 1M-25M entries: build, memory, queries/s, p99, and shards.

Why: a bank of 100 million hashes is beyond one process at ~100 bytes an entry, so the index's
memory per entry and the sharded query path decide how many machines such a bank needs. This
measures, at each size and in the same run: haechi's index with the ``fast`` and ``compact``
profiles, the index of an earlier commit (``--baseline``, read from git, for the speed and
memory it had), faiss ``IndexBinaryFlat`` (exhaustive, the ground truth: ``range_search`` with
``r + 1`` because faiss keeps distances strictly below its radius), and the fast index split by
hash prefix across ``--shards`` worker processes queried in batches. Each index is built in its
own forked process; ``bytes/entry`` is the index's arrays and ``RSS/entry`` the growth of the
process's resident memory while building (both counted after the build, temporaries freed).

Run ``python bench/index.py --n 1000000`` (add 10000000 25000000 for the large sizes; they take
minutes and several GB). Needs the ``bench`` extra for faiss: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import gc
import hashlib
import importlib
import multiprocessing as mp
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).parent))
from haechi.index import MultiIndexHashing, RangeResult
from haechi.index.shards import build_shard, merge, prefix_ranges
from matching import make_data, make_queries, rss_bytes

U8 = npt.NDArray[np.uint8]
RADIUS = 31


@dataclass
class Row:
    index: str
    n: int
    build_s: float
    bytes_per_entry: float
    rss_per_entry: float
    qps: float
    p99_ms: float
    pairs: str  # digest of the sorted (query, id) pairs, to compare indexes
    checked: int  # queries whose pairs were compared with faiss (0: not compared)


def digest(result: RangeResult, limit: int | None = None) -> str:
    q, i = result.query, result.ids
    if limit is not None:
        keep = q < limit
        q, i = q[keep], i[keep]
    order = np.lexsort((i, q))
    pairs = np.stack([q[order], i[order]]).astype(np.int64)
    return hashlib.sha256(pairs.tobytes()).hexdigest()[:12]


def timed(
    run: Callable[[], RangeResult], count: int, min_seconds: float
) -> tuple[float, RangeResult]:
    passes, elapsed = 0, 0.0
    result = RangeResult.empty()
    while elapsed < min_seconds or passes == 0:
        t = time.perf_counter()
        result = run()
        elapsed += time.perf_counter() - t
        passes += 1
    return passes * count / elapsed, result


def p99_of(one: Callable[[int], object], count: int) -> float:
    times = []
    for k in range(count):
        t = time.perf_counter()
        one(k)
        times.append(time.perf_counter() - t)
    return float(np.percentile(times, 99) * 1000)


def baseline_module(commit: str) -> ModuleType:
    """The ``haechi.index`` package of ``commit``, importable as ``baseline_index``."""
    folder = Path(tempfile.mkdtemp(prefix="haechi-baseline-"))
    package = folder / "baseline_index"
    package.mkdir()
    root = Path(__file__).resolve().parent.parent
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", commit, "src/haechi/index/"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in names:
        text = subprocess.run(
            ["git", "show", f"{commit}:{name}"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (package / Path(name).name).write_text(text.replace("haechi.index", "baseline_index"))
    sys.path.insert(0, str(folder))
    return importlib.import_module("baseline_index")


def measure(kind: str, data: U8, queries: U8, args: argparse.Namespace) -> Row:
    """One index, built and queried in this (forked) process."""
    n = data.shape[0]
    module: ModuleType | None = None
    if kind == "faiss flat":
        import faiss

        faiss.omp_set_num_threads(1)
    elif kind.startswith("baseline"):
        module = baseline_module(args.baseline)
    gc.collect()
    before = rss_bytes()  # after imports: only the index counts
    t = time.perf_counter()
    if kind == "faiss flat":
        flat = faiss.IndexBinaryFlat(256)
        flat.add(data)
        build = time.perf_counter() - t
        subset = queries[: args.faiss_queries]

        def run_flat() -> RangeResult:
            lims, dist, ids = flat.range_search(subset, RADIUS + 1)
            qi = np.repeat(np.arange(subset.shape[0]), np.diff(lims.astype(np.int64)))
            return RangeResult.sorted_from(qi, ids, dist)

        qps, result = timed(run_flat, subset.shape[0], args.seconds)
        p99 = p99_of(lambda k: flat.range_search(subset[k : k + 1], RADIUS + 1), 50)
        return Row(
            kind,
            n,
            build,
            32.0,
            (rss_bytes() - before) / n,
            qps,
            p99,
            digest(result),
            subset.shape[0],
        )
    if module is not None:
        index: Any = module.MultiIndexHashing.from_hashes(np.arange(n), data)
    else:
        index = MultiIndexHashing.from_hashes(np.arange(n), data, profile=kind.split()[1])
    index.compact()
    build = time.perf_counter() - t
    gc.collect()
    rss = (rss_bytes() - before) / n
    count = queries.shape[0]
    batch = queries[:count]
    index.search(queries[:1], RADIUS)  # loads the compiled code (cached on disk) before timing
    qps, result = timed(lambda: index.search(batch, RADIUS), count, args.seconds)
    singles = min(count, args.single)
    p99 = p99_of(lambda k: index.search(queries[k : k + 1], RADIUS), singles)
    return Row(
        kind, n, build, index.nbytes / n, rss, qps, p99, digest(result, args.faiss_queries), 0
    )


def in_child(kind: str, data: U8, queries: U8, args: argparse.Namespace) -> Row:
    """Run :func:`measure` in a fresh forked process (memory and leftovers stay there)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def target() -> None:
        child.send(measure(kind, data, queries, args))

    proc = ctx.Process(target=target)
    proc.start()
    row: Row = parent.recv()
    proc.join()
    return row


def _shard_worker(data: U8, prefixes: range, inbox: Connection, outbox: Connection) -> None:
    gc.collect()
    before = rss_bytes()
    t = time.perf_counter()
    index = build_shard(np.arange(data.shape[0]), data, prefixes)
    build = time.perf_counter() - t
    gc.collect()
    rss = rss_bytes() - before
    index.search(data[:1], RADIUS)  # loads the compiled code before the first batch
    outbox.send((build, index.nbytes, len(index), rss))
    while True:
        batch = inbox.recv()
        if batch is None:
            return
        outbox.send(index.search(batch, RADIUS))


def sharded(data: U8, queries: U8, shards: int, args: argparse.Namespace) -> Row:
    """The fast index in ``shards`` processes by prefix; batches go to all, answers merged."""
    ctx = mp.get_context("fork")
    workers = []
    for prefixes in prefix_ranges(shards):
        to_worker, inbox = ctx.Pipe(duplex=False)
        outbox, from_worker = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_shard_worker, args=(data, prefixes, to_worker, from_worker))
        proc.start()
        workers.append((proc, inbox, outbox))
    built = [w[2].recv() for w in workers]

    def ask(batch: U8) -> RangeResult:
        for _, inbox, _ in workers:
            inbox.send(batch)
        return merge([outbox.recv() for _, _, outbox in workers])

    qps, result = timed(lambda: ask(queries), queries.shape[0], args.seconds)
    size = args.shard_batch
    p99 = p99_of(lambda k: ask(queries[(k * size) % queries.shape[0] :][:size]), 50)
    for proc, inbox, _ in workers:
        inbox.send(None)
        proc.join()
    n = data.shape[0]
    return Row(
        f"fast, {shards} shard processes (p99: batch of {size})",
        n,
        max(b[0] for b in built),
        sum(b[1] for b in built) / n,
        sum(b[3] for b in built) / n,
        qps,
        p99,
        digest(result, args.faiss_queries),
        0,
    )


def interleaved(data: U8, queries: U8, args: argparse.Namespace, rounds: int = 6) -> None:
    """The baseline's and this index's batch speed measured turn about in one process, in CPU
    seconds, so that other work on a shared machine weighs on both alike; with the bytes per
    entry of each and a check that both return the same pairs."""
    n = data.shape[0]
    module = baseline_module(args.baseline)
    indexes: dict[str, Any] = {
        f"baseline {args.baseline}": module.MultiIndexHashing.from_hashes(np.arange(n), data),
        "haechi fast": MultiIndexHashing.from_hashes(np.arange(n), data),
    }
    answers = {digest(index.search(queries, RADIUS)) for index in indexes.values()}
    if len(answers) != 1:  # the first search also compiles and warms the caches
        raise SystemExit(f"the indexes differ at n={n}")
    spent = dict.fromkeys(indexes, 0.0)
    for _ in range(rounds):
        for name, index in indexes.items():
            t = time.process_time()
            index.search(queries, RADIUS)
            spent[name] += time.process_time() - t
    base, fast = (rounds * queries.shape[0] / spent[k] for k in indexes)
    base_b, fast_b = (index.nbytes / n for index in indexes.values())
    print(
        f"| {n:,} | {base_b:.1f} B, {base:,.0f} q/s | {fast_b:.1f} B, {fast:,.0f} q/s |"
        f" {fast / base:.0%} | same pairs |",
        flush=True,
    )


def main() -> None:
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None:
        # glibc keeps freed build temporaries under 32 MB in its heap, which would count as
        # the index's memory; a fixed threshold returns them to the system when freed.
        os.environ["MALLOC_MMAP_THRESHOLD_"] = str(128 * 1024)
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--faiss-queries", type=int, default=100)
    parser.add_argument("--single", type=int, default=300, help="queries timed one by one")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--shard-batch", type=int, default=100)
    parser.add_argument("--baseline", help="a commit whose index to measure beside this one")
    parser.add_argument("--skip", nargs="*", default=[], help="kinds to leave out")
    parser.add_argument(
        "--interleave", action="store_true", help="only the turn-about speed of baseline and fast"
    )
    args = parser.parse_args()
    print(f"# python bench/index.py {' '.join(sys.argv[1:])}")
    print(f"# load average before: {os.getloadavg()[0]:.1f}, cores: {os.cpu_count()}, r = {RADIUS}")
    if args.interleave:
        if not args.baseline:
            parser.error("--interleave compares with --baseline COMMIT")
        print("| n | former index (baseline) | haechi fast | fast / former | |")
        print("|---:|---:|---:|---:|---|")
        for n in args.n:
            rng = np.random.default_rng(n)
            data = make_data("uniform", n, rng)
            interleaved(data, make_queries(data, args.queries, rng, RADIUS), args)
        return
    print(
        "| index | n | build s | bytes/entry | RSS/entry | queries/s (batch) | p99 ms (one) |"
        " same pairs as faiss |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    kinds = ["faiss flat", "haechi fast", "haechi compact"]
    if args.baseline:
        kinds.insert(1, f"baseline {args.baseline}")
    for n in args.n:
        rng = np.random.default_rng(n)
        data = make_data("uniform", n, rng)
        queries = make_queries(data, args.queries, rng, RADIUS)
        rows = [in_child(k, data, queries, args) for k in kinds if k.split()[-1] not in args.skip]
        if "shards" not in args.skip:
            rows.append(sharded(data, queries, args.shards, args))
        truth = next((r.pairs for r in rows if r.checked), None)
        for r in rows:
            same = "(truth)" if r.checked else ("yes" if r.pairs == truth else "NO")
            print(
                f"| {r.index} | {n:,} | {r.build_s:.1f} | {r.bytes_per_entry:.1f} |"
                f" {r.rss_per_entry:.1f} | {r.qps:,.0f} | {r.p99_ms:.1f} | {same} |",
                flush=True,
            )
            if truth is not None and not r.checked and r.pairs != truth:
                raise SystemExit(f"{r.index} differs from faiss's exhaustive search at n={n}")
        del data


if __name__ == "__main__":
    main()
