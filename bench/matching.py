"""Benchmark: exact range matching of 256-bit hashes, haechi's MIH against its peers, one core.

Why: the choice of matching index decides how big a bank one server can check uploads against.
This puts haechi's :class:`~haechi.index.MultiIndexHashing` next to faiss ``IndexBinaryFlat``
(brute force, exact, and the ground truth here) and python-threatexchange's ``PDQIndex`` (Meta's
PDQ index, a faiss ``IndexBinaryMultiHash``) on the same data and the same queries, and reports
queries per second, recall against brute force, build time and memory per entry.

Data sets: ``uniform`` random hashes, and ``clustered`` hashes where each item comes with 1-20
variants within 0-30 bits of it (as re-encodes of one image do). Queries: half are stored
entries with exactly 0-31 bits flipped, half unrelated random hashes.

Run ``python bench/matching.py`` (100k and 1M), ``--n 10000000`` for 10M, ``--json`` for one JSON
object per index and data set. Needs the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import os

# Pin one core before numpy or faiss start thread pools.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import gc
import json
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from haechi.index import MultiIndexHashing

Pairs = set[tuple[int, int]]
U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Measured:
    build_s: float
    bytes_per_entry: float
    qps: float
    pairs: list[tuple[int, int]]


@dataclass(frozen=True)
class Row:
    index: str
    data: str
    n: int
    radius: int
    qps: float
    recall: float
    build_s: float
    bytes_per_entry: float
    queries: int


def _idle_ticks() -> dict[int, int]:
    ticks = {}
    with open("/proc/stat") as f:
        for line in f:
            name, *fields = line.split()
            if name.startswith("cpu") and name != "cpu":
                ticks[int(name[3:])] = int(fields[3]) + int(fields[4])
    return ticks


def pin_one_core() -> int:
    """Run on one CPU, the idlest right now, so every index gets the same single core."""
    allowed = os.sched_getaffinity(0)
    first = _idle_ticks()
    time.sleep(0.5)
    last = _idle_ticks()
    cpu = max(allowed, key=lambda c: last.get(c, 0) - first.get(c, 0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def in_child(fn: Callable[[U8, U8, int], Measured], data: U8, queries: U8, radius: int) -> Measured:
    """Run one index's benchmark in a forked process, so its memory and its leftovers (faiss
    threads, freed but unreturned heap) neither count for nor disturb the next index."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        try:
            payload = json.dumps(asdict(fn(data, queries, radius))).encode()
            code = 0
        except BaseException as exc:
            payload, code = repr(exc).encode(), 1
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as inp:
        payload = inp.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{fn.__name__} failed: {payload.decode(errors='replace')}")
    fields = json.loads(payload)
    return Measured(fields["build_s"], fields["bytes_per_entry"], fields["qps"],
                    [tuple(p) for p in fields["pairs"]])


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def flip_bits(rng: np.random.Generator, hashes: U8, counts: npt.NDArray[np.int64]) -> U8:
    """Flip ``counts[i]`` random bits of row ``i`` (positions drawn with replacement, so the
    distance is at most ``counts[i]``), in chunks to bound memory."""
    out = hashes.copy()
    step = 1 << 19
    for s in range(0, hashes.shape[0], step):
        c = counts[s : s + step]
        rows = np.repeat(np.arange(c.shape[0]), c)
        bitmap = np.zeros((c.shape[0], 256), dtype=np.bool_)
        bitmap[rows, rng.integers(0, 256, rows.shape[0])] = True
        out[s : s + step] ^= np.packbits(bitmap, axis=1)
    return out


def make_data(kind: str, n: int, rng: np.random.Generator) -> U8:
    if kind == "uniform":
        return rng.integers(0, 256, (n, 32), dtype=np.uint8)
    # clustered: groups of one item and its 1-20 variants within 0-30 bits
    sizes = rng.integers(2, 22, n // 2 + 1)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n)) + 1]
    base = rng.integers(0, 256, (sizes.shape[0], 32), dtype=np.uint8)
    member = np.repeat(base, sizes, axis=0)[:n]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    first = np.zeros(member.shape[0], dtype=np.bool_)
    first[starts[starts < n]] = True
    flips = np.where(first, 0, rng.integers(0, 31, n))
    data = flip_bits(rng, member, flips.astype(np.int64))
    return data[rng.permutation(n)]


def make_queries(data: U8, count: int, rng: np.random.Generator, radius: int) -> U8:
    """Half planted near-duplicates at exactly 0..radius bits, half unrelated."""
    planted = count // 2
    q = data[rng.integers(0, data.shape[0], planted)].copy()
    bits = np.unpackbits(q, axis=1)
    for i in range(planted):
        pos = rng.choice(256, int(rng.integers(0, radius + 1)), replace=False)
        bits[i, pos] ^= 1
    unrelated = rng.integers(0, 256, (count - planted, 32), dtype=np.uint8)
    return np.concatenate([np.packbits(bits, axis=1), unrelated])


def timed_qps(
    run: Callable[[], Pairs], count: int, min_seconds: float = 1.0
) -> tuple[float, Pairs]:
    """Queries per second over whole passes of the query set, repeated for at least a second."""
    passes, elapsed = 0, 0.0
    result: Pairs = set()
    while elapsed < min_seconds or passes == 0:
        t = time.perf_counter()
        result = run()
        elapsed += time.perf_counter() - t
        passes += 1
    return passes * count / elapsed, result


def bench_haechi(data: U8, queries: U8, radius: int) -> Measured:
    t = time.perf_counter()
    index = MultiIndexHashing.from_hashes(np.arange(data.shape[0]), data)
    build = time.perf_counter() - t
    index.search(queries[:8], radius)

    def run() -> Pairs:
        res = index.search(queries, radius)
        return set(zip(res.query.tolist(), res.ids.tolist(), strict=True))

    qps, found = timed_qps(run, queries.shape[0])
    return Measured(build, index.nbytes / data.shape[0], qps, sorted(found))


def bench_haechi_one_by_one(data: U8, queries: U8, radius: int) -> Measured:
    """The same index asked one query at a time, as a web request would (``search_one``)."""
    t = time.perf_counter()
    index = MultiIndexHashing.from_hashes(np.arange(data.shape[0]), data)
    build = time.perf_counter() - t
    index.search(queries[:8], radius)

    def run() -> Pairs:
        return {(i, id_) for i, q in enumerate(queries) for id_, _ in index.search_one(q, radius)}

    qps, found = timed_qps(run, queries.shape[0])
    return Measured(build, index.nbytes / data.shape[0], qps, sorted(found))


def bench_faiss_flat(data: U8, queries: U8, radius: int) -> Measured:
    import faiss

    faiss.omp_set_num_threads(1)
    t = time.perf_counter()
    index = faiss.IndexBinaryFlat(256)
    index.add(data)
    build = time.perf_counter() - t

    def run() -> Pairs:
        # faiss keeps distances strictly below the threshold: radius + 1 means "<= radius"
        lims, _, ids = index.range_search(queries, radius + 1)
        qi = np.repeat(np.arange(queries.shape[0]), np.diff(lims.astype(np.int64)))
        return set(zip(qi.tolist(), ids.tolist(), strict=True))

    qps, found = timed_qps(run, queries.shape[0])
    return Measured(build, float(index.code_size), qps, sorted(found))


def bench_pdq_index(data: U8, queries: U8, radius: int) -> Measured:
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    faiss.omp_set_num_threads(1)

    class PDQIndexAtRadius(PDQIndex):  # type: ignore[misc]
        @classmethod
        def get_match_threshold(cls) -> int:
            return radius

    # Memory counts what the index keeps: its faiss maps, id maps and the hex strings it holds.
    gc.collect()
    before = rss_bytes()
    hexes = [row.tobytes().hex() for row in data]
    t = time.perf_counter()
    index = PDQIndexAtRadius(zip(hexes, range(data.shape[0]), strict=True))
    build = time.perf_counter() - t
    del hexes
    gc.collect()
    per_entry = (rss_bytes() - before) / data.shape[0]
    qhex = [row.tobytes().hex() for row in queries]

    def run() -> Pairs:
        return {(i, m.metadata) for i, h in enumerate(qhex) for m in index.query(h)}

    qps, found = timed_qps(run, queries.shape[0])
    return Measured(build, per_entry, qps, sorted(found))


PEERS: dict[str, Callable[[U8, U8, int], Measured]] = {
    "haechi-mih": bench_haechi,
    "haechi-mih-one": bench_haechi_one_by_one,
    "faiss-flat": bench_faiss_flat,
    "threatexchange-pdq": bench_pdq_index,
}


def run_one(n: int, kind: str, args: argparse.Namespace) -> list[Row]:
    rng = np.random.default_rng([args.seed, n, 0 if kind == "uniform" else 1])
    data = make_data(kind, n, rng)
    queries = make_queries(data, args.queries, rng, args.radius)
    rows: list[Row] = []
    truth: Pairs | None = None
    for name in ["faiss-flat", *[p for p in args.index if p != "faiss-flat"]]:
        got = in_child(PEERS[name], data, queries, args.radius)
        build, per_entry, qps, found = got.build_s, got.bytes_per_entry, got.qps, set(got.pairs)
        if truth is None:
            truth = found  # faiss's flat index is exhaustive: the ground truth
        recall = len(found & truth) / len(truth) if truth else 1.0
        if name in args.index:
            row = Row(name, kind, n, args.radius, qps, recall, build, per_entry, len(queries))
            rows.append(row)
            if args.json:
                print(json.dumps(asdict(rows[-1])), flush=True)
        if name.startswith("haechi") and found != truth:
            print(f"haechi-mih is not exact on {kind} n={n}: {len(truth ^ found)} pairs differ",
                  file=sys.stderr)
            raise SystemExit(1)
    return rows


def print_table(rows: list[Row], cpu: int) -> None:
    head = f"{'index':20} {'data':10} {'n':>10} {'r':>3} {'queries/s':>11} {'recall':>7} "
    head += f"{'build s':>8} {'bytes/entry':>12}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r.index:20} {r.data:10} {r.n:>10,} {r.radius:>3} {r.qps:>11,.0f} {r.recall:>7.3f} "
            f"{r.build_s:>8.2f} {r.bytes_per_entry:>12.1f}"
        )
    print(f"\none core (cpu {cpu}), {rows[0].queries if rows else 0} queries per data set")
    print("reproduce: python bench/matching.py " + shlex.join(sys.argv[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--data", nargs="+", choices=["uniform", "clustered"],
                        default=["uniform", "clustered"])
    parser.add_argument("--index", nargs="+", choices=list(PEERS), default=list(PEERS))
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--radius", type=int, default=31)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args()
    cpu = pin_one_core()
    rows: list[Row] = []
    for n in args.n:
        for kind in args.data:
            rows += run_one(n, kind, args)
    if not args.json:
        print_table(rows, cpu)


if __name__ == "__main__":
    main()
