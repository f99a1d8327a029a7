"""Multi-index hashing: exact Hamming-radius search that reads a sliver of the bank per query.

Why: a brute-force scan of ten million PDQ hashes reads 320 MB for every query (about 30
queries a second on one core), and a bank of victims' images only grows. Multi-index hashing
(Norouzi, Punjani & Fleet, CVPR 2012) stays *exact* while touching a few thousand entries.

How it stays exact: the 256 bits are cut into ``m`` disjoint regions. If a stored hash is within
``r`` of the query and region ``j`` is given a radius ``rho_j`` with ``sum(rho_j + 1) >= r + 1``
(the generalised pigeonhole principle), then at least one region ``j`` differs from the query's
by at most ``rho_j`` bits, since otherwise the distance would be at least ``r + 1``. So each
region gets a table; a query probes, in every table, all keys within ``rho_j`` of its own,
and every candidate is verified with a full popcount. A candidate that fails region ``j``'s own
radius may be dropped from table ``j``: if it is a true match, another table produces it.

Layout (one immutable *segment*): entries sorted by id (so the id array doubles as the id
lookup), hashes as ``(n, 4)`` uint64 in the same order, and the tables as two stacked CSR
arrays: ``offsets`` (m, ``2**key_bits + 1``) uint32 bucket starts and ``entries`` (m, n) uint32,
each a row number in the low ``row_bits`` bits with the region's next ``ext_bits`` hash bits in
the spare high bits, which filter candidates before their hash is read. ``m`` is about
``256 / (log2 n + 1.5)`` (11 tables at 10M entries, 12 at 1M), so a region is a little wider
than ``log2 n`` bits and a probe finds about one entry; buckets are addressed by
``floor(log2 n) - 1`` bits, which keeps ``offsets`` near one to two bytes per entry and table.

Memory: 32 (hash) + 8 (id) + 4 m (entries) + offsets, about 100 bytes per entry at 1M and
10M. That is above 64, and must be for an exact index at PDQ's radius: a table that can name
each of n entries costs about ``log2 n`` bits per entry, and radius 31 needs about 11 tables
(fewer tables mean a larger radius per table, and the number of probes grows as
``C(key_bits, rho)``), so the tables alone need about 30 bytes per entry at 10M.

Updates never rebuild the whole index: new hashes go to a small buffer that is scanned by brute
force; a full buffer becomes a segment, and segments of similar size are merged like a binary
counter, so each entry is rebuilt O(log n) times. Removal marks a tombstone; a segment that is
more than half tombstones is rebuilt. Adding an id that is present replaces its hash.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from haechi.index.base import Hashes, Ids, MatchIndex, RangeResult, as_hashes
from haechi.index.persist import IndexFile, TableSpec, read_index, write_index

_U64 = npt.NDArray[np.uint64]
_U32 = npt.NDArray[np.uint32]
_I64 = npt.NDArray[np.int64]
_I32 = npt.NDArray[np.int32]
_Bool = npt.NDArray[np.bool_]
# (query number, row within the searched array, distance), one element per match
_Matches = tuple[_I64, _I64, _I32]
_Plan = list[tuple[int, int]]

HASH_BITS = 256
BUFFER_CAP = 4096
"""Hashes added since the last flush, searched by brute force, before they become a segment."""

_MIN_TABLE_ENTRIES = 1024  # below this a segment keeps no tables: a scan is as fast
_PROBES_PER_CHUNK = 1 << 15  # keeps one batch step's working arrays in L2 (measured best)
_SCAN_BLOCK = 8192
_SCAN_PAIRS = 1 << 16
_MAX_PROBES = 1 << 20  # per table and query; beyond this a scan is cheaper anyway
_FULL = 0x40404040  # four popcount bytes of 64: the only byte sum that wraps past 255
# Rough costs in ns on one core (only their ratios matter), used to choose probing vs scanning.
_NS_PROBE = 25.0
_NS_ENTRY = 10.0
_NS_VERIFY = 40.0
_NS_SCAN = 4.0


def plan_tables(n: int) -> tuple[int, tuple[TableSpec, ...]]:
    """``row_bits`` and the table layout for a segment of ``n`` entries.

    Regions about ``log2 n`` bits wide make a probe find about one entry, which balances the
    number of probes (which grows with narrower regions' count) against the number of
    candidates (which grows with ``n / 2**width``); measured fastest at 1M and 10M entries.
    """
    row_bits = max(1, (n - 1).bit_length())
    lg = math.log2(max(n, 2))
    m = min(16, max(8, math.ceil(HASH_BITS / (lg + 1.5))))
    key_bits = min(31, max(8, math.floor(lg) - 1))
    spare = 32 - row_bits
    bounds = [round(j * HASH_BITS / m) for j in range(m + 1)]
    specs = []
    for j in range(m):
        width = bounds[j + 1] - bounds[j]
        kb = min(width, key_bits)
        specs.append(TableSpec(bounds[j], kb, min(width - kb, spare, 8)))
    return row_bits, tuple(specs)


def region_radii(m: int, radius: int) -> list[int]:
    """Per-region radii whose ``rho + 1`` sum to ``radius + 1``; ``-1`` means skip the table."""
    base, extra = divmod(radius + 1, m)
    return [base if j < extra else base - 1 for j in range(m)]


def _substring(words: _U64, bit_offset: int, bits: int) -> _U64:
    """Bits ``[bit_offset, bit_offset + bits)`` of each hash, bit 0 being word 0's low bit."""
    if bits == 0:
        return np.zeros(words.shape[0], dtype=np.uint64)
    word, shift = divmod(bit_offset, 64)
    mask = np.uint64((1 << bits) - 1)
    low = words[:, word] >> np.uint64(shift)
    if shift + bits > 64:
        low = low | (words[:, word + 1] << np.uint64(64 - shift))
    out: _U64 = low & mask
    return out


def _ball(bits: int, radius: int) -> int:
    return sum(math.comb(bits, w) for w in range(min(bits, radius) + 1))


@lru_cache(maxsize=64)
def _flip_masks(bits: int, radius: int) -> tuple[_I64, _I64]:
    """All ``bits``-wide masks of popcount ``<= radius``, lightest first, and their weights."""
    masks = [np.zeros(1, dtype=np.int64)]
    weights = [np.zeros(1, dtype=np.int64)]
    cur, top = masks[0], np.full(1, -1, dtype=np.int64)
    for w in range(1, min(bits, radius) + 1):
        parts, tops = [], []
        for b in range(bits):
            sel = cur[top < b]
            parts.append(sel | (1 << b))
            tops.append(np.full(sel.shape[0], b, dtype=np.int64))
        cur, top = np.concatenate(parts), np.concatenate(tops)
        masks.append(cur)
        weights.append(np.full(cur.shape[0], w, dtype=np.int64))
    return np.concatenate(masks), np.concatenate(weights)


def _close(x: _U64, radius: int) -> tuple[_Bool, _I32]:
    """Which rows of XOR-ed hashes (``(..., 4)`` uint64) are within ``radius``, and their distances.

    Sums the four popcount bytes with one multiply; 256 is the only total that wraps, and it
    is recognised by its bytes.
    """
    v = np.bitwise_count(x).view(np.uint32)[..., 0]
    d = (v * np.uint32(0x01010101)) >> np.uint32(24)
    full = v == _FULL
    if radius >= HASH_BITS:
        close = np.ones(v.shape, dtype=np.bool_)
        return close, np.where(full, HASH_BITS, d)[close].astype(np.int32)
    close = (d <= radius) & ~full
    return close, d[close].astype(np.int32)


def _no_matches() -> _Matches:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)


def _concat(parts: list[_Matches]) -> _Matches:
    if not parts:
        return _no_matches()
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def scan(words: _U64, queries: _U64, radius: int) -> _Matches:
    """Brute force in cache-sized tiles of (queries x hashes); exact by construction."""
    n, nq = words.shape[0], queries.shape[0]
    if n == 0 or nq == 0:
        return _no_matches()
    block = min(n, _SCAN_BLOCK)
    qstep = max(1, _SCAN_PAIRS // block)
    parts: list[_Matches] = []
    for qs in range(0, nq, qstep):
        qb = queries[qs : qs + qstep, None, :]
        for es in range(0, n, block):
            close, dist = _close(words[None, es : es + block, :] ^ qb, radius)
            qi, row = np.nonzero(close)
            if qi.size:
                parts.append((qi.astype(np.int64) + qs, row.astype(np.int64) + es, dist))
    return _concat(parts)


class _Fields:
    """Vectorised extraction of one bit field per table from many hashes at once.

    Precomputes, per table, which words hold the field and how to shift them, so that all
    tables' keys for a batch of queries come out of one broadcast expression.
    """

    def __init__(self, offsets: list[int], widths: list[int]) -> None:
        word, shift = np.divmod(np.asarray(offsets, dtype=np.int64), 64)
        self.lo_word = word
        self.hi_word = np.minimum(word + 1, 3)
        self.shift = shift.astype(np.uint64)
        # A shift of 64 yields 0 in numpy; bits from the next word land above the field when
        # it does not cross a word boundary, and the mask drops them.
        self.hi_shift = (64 - shift).astype(np.uint64)
        self.mask = ((np.uint64(1) << np.asarray(widths, dtype=np.uint64)) - np.uint64(1))

    def __call__(self, words: _U64) -> _I64:
        lo = words[:, self.lo_word] >> self.shift
        hi = words[:, self.hi_word] << self.hi_shift
        out: _I64 = ((lo | hi) & self.mask).astype(np.int64)
        return out


class _Segment:
    """An immutable, id-sorted run of entries and its substring tables; removal is a tombstone.

    All tables share ``key_bits``, so their CSR arrays stack into ``offsets`` (m, 2**key_bits
    + 1) and ``entries`` (m, n), and a batch of queries probes every table in a handful of
    numpy calls; that matters most for single queries, where call overhead dominates.
    """

    def __init__(
        self,
        ids: _I64,
        words: _U64,
        row_bits: int,
        specs: tuple[TableSpec, ...],
        offsets: _U32,
        entries: _U32,
    ) -> None:
        self.ids = ids
        self.words = words
        self.row_bits = row_bits
        self.specs = specs
        self.key_bits = specs[0].key_bits if specs else 0
        self.offsets = offsets
        self.entries = entries
        self._keys = _Fields([s.bit_offset for s in specs], [s.key_bits for s in specs])
        self._exts = _Fields(
            [s.bit_offset + s.key_bits for s in specs], [s.ext_bits for s in specs]
        )
        # Allocated on the first removal, so a loaded index costs nothing for it.
        self.deleted: _Bool | None = None
        self.n_deleted = 0

    @classmethod
    def build(cls, ids: _I64, words: _U64) -> _Segment:
        """Sort by id and build the tables; ``ids`` must be unique."""
        order = np.argsort(ids, kind="stable")
        ids = np.ascontiguousarray(ids[order])
        words = np.ascontiguousarray(words[order])
        n = ids.shape[0]
        if n < _MIN_TABLE_ENTRIES:
            none = np.empty((0, 0), dtype=np.uint32)
            return cls(ids, words, 0, (), none, np.empty((0, n), dtype=np.uint32))
        row_bits, specs = plan_tables(n)
        key_bits = specs[0].key_bits
        offsets = np.zeros((len(specs), (1 << key_bits) + 1), dtype=np.uint32)
        entries = np.empty((len(specs), n), dtype=np.uint32)
        rows = np.arange(n, dtype=np.int64)
        for j, spec in enumerate(specs):
            key = _substring(words, spec.bit_offset, key_bits).astype(np.int64)
            ext = _substring(words, spec.bit_offset + key_bits, spec.ext_bits).astype(np.int64)
            # One sort of (key, ext, row) packed in an int64 is much faster than an argsort.
            packed = np.sort((key << 32) | (ext << row_bits) | rows)
            entries[j] = packed & 0xFFFFFFFF
            np.cumsum(np.bincount(key, minlength=1 << key_bits), out=offsets[j, 1:])
        return cls(ids, words, row_bits, specs, offsets, entries)

    @classmethod
    def merged(cls, segments: list[_Segment], ids: _I64, words: _U64) -> _Segment:
        """One segment holding the live entries of ``segments`` plus ``ids``/``words``."""
        live = [s.live_arrays() for s in segments]
        return cls.build(
            np.concatenate([a for a, _ in live] + [ids]),
            np.concatenate([w for _, w in live] + [words]),
        )

    def __len__(self) -> int:
        return int(self.ids.shape[0]) - self.n_deleted

    @property
    def nbytes(self) -> int:
        arrays: list[npt.NDArray[np.generic]] = [self.ids, self.words, self.offsets, self.entries]
        if self.deleted is not None:
            arrays.append(self.deleted)
        return sum(a.nbytes for a in arrays)

    def live_arrays(self) -> tuple[_I64, _U64]:
        if self.deleted is None:
            return self.ids, self.words
        keep = ~self.deleted
        return self.ids[keep], self.words[keep]

    def delete(self, ids: _I64) -> None:
        """Tombstone the live entries whose id is in ``ids``."""
        n = self.ids.shape[0]
        if n == 0 or ids.size == 0:
            return
        pos = np.minimum(np.searchsorted(self.ids, ids), n - 1)
        rows = pos[self.ids[pos] == ids]
        if rows.size == 0:
            return
        if self.deleted is None:
            self.deleted = np.zeros(n, dtype=np.bool_)
        rows = _sorted_unique(rows[~self.deleted[rows]])
        self.deleted[rows] = True
        self.n_deleted += int(rows.size)

    def search(self, queries: _U64, radius: int) -> _Matches:
        """Every live (query, row) pair within ``radius``, each once."""
        plan = self._probe_plan(radius)
        if plan is None:
            qi, rows, dist = scan(self.words, queries, radius)
        else:
            per_query = sum(_ball(self.key_bits, rho) for j, rho in plan)
            step = max(1, _PROBES_PER_CHUNK // per_query)
            parts = []
            for start in range(0, queries.shape[0], step):
                qi, rows, dist = self._probe(queries[start : start + step], radius, plan)
                parts.append((qi + start, rows, dist))
            qi, rows, dist = _concat(parts)
        if self.deleted is not None and rows.size:
            live = ~self.deleted[rows]
            qi, rows, dist = qi[live], rows[live], dist[live]
        return qi, rows, dist

    def _probe_plan(self, radius: int) -> _Plan | None:
        """The (table, radius) pairs to probe, or ``None`` when a scan is expected to be cheaper."""
        n = self.ids.shape[0]
        if not self.specs or radius >= HASH_BITS:
            return None
        plan: _Plan = []
        cost = 0.0
        for j, rho in enumerate(region_radii(len(self.specs), radius)):
            if rho < 0:
                continue
            probes = _ball(self.key_bits, rho)
            if probes > _MAX_PROBES:
                return None
            width = self.key_bits + self.specs[j].ext_bits
            cost += probes * (_NS_PROBE + _NS_ENTRY * n / 2**self.key_bits)
            cost += _ball(width, rho) * _NS_VERIFY * n / 2**width
            plan.append((j, rho))
        return plan if cost < n * _NS_SCAN else None

    def _probe(self, q: _U64, radius: int, plan: _Plan) -> _Matches:
        n = self.ids.shape[0]
        stride = self.offsets.shape[1]
        flat_offsets = self.offsets.reshape(-1)
        keys = self._keys(q)
        exts = self._exts(q)
        starts: list[_I64] = []
        counts: list[_I64] = []
        tags: list[_I64] = []
        # Tables probed at the same radius share their flip masks: one broadcast per radius.
        for rho in sorted({rho for _, rho in plan}):
            tables = np.array([j for j, r in plan if r == rho], dtype=np.int64)
            masks, weights = _flip_masks(self.key_bits, rho)
            nprobe = masks.shape[0]
            # Table-major order, so each table's offsets and entries stay hot in cache.
            probe = keys.T[tables, :, None] ^ masks[None, None, :]
            probe += (tables * stride)[:, None, None]
            probe = probe.reshape(-1)
            lo = flat_offsets[probe]
            count = flat_offsets[probe + 1] - lo
            hit = np.flatnonzero(count)
            if hit.size == 0:
                continue
            query_of = (hit // nprobe) % q.shape[0]
            table_of = tables[hit // (nprobe * q.shape[0])]
            budget = rho - weights[hit % nprobe]
            starts.append(lo[hit].astype(np.int64) + table_of * n)
            counts.append(count[hit].astype(np.int64))
            # (query, radius left for the ext bits, query's ext bits) in one int64, so that a
            # single repeat carries all three to the candidates.
            tags.append((query_of << 16) | (budget << 8) | exts[query_of, table_of])
        if not starts:
            return _no_matches()
        start, cnt, tag = np.concatenate(starts), np.concatenate(counts), np.concatenate(tags)
        first = np.cumsum(cnt) - cnt
        pos = np.repeat(start - first, cnt) + np.arange(int(first[-1] + cnt[-1]))
        ent = self.entries.reshape(-1)[pos]
        tag = np.repeat(tag, cnt)
        # A candidate outside this table's radius on its whole region is dropped here: if it
        # is a match at all, another table yields it (the pigeonhole argument above).
        far = np.bitwise_count((ent >> np.uint32(self.row_bits)).astype(np.int64) ^ (tag & 0xFF))
        keep = far <= ((tag >> 8) & 0xFF)
        rows = (ent[keep] & np.uint32((1 << self.row_bits) - 1)).astype(np.int64)
        qi = tag[keep] >> 16
        close, dist = _close(np.take(self.words, rows, axis=0) ^ np.take(q, qi, axis=0), radius)
        rows, qi = rows[close], qi[close]
        # A match found through several tables is reported once.
        _, first_seen = np.unique(qi * n + rows, return_index=True)
        return qi[first_seen], rows[first_seen], dist[first_seen]


def _sorted_unique(values: _I64) -> _I64:
    """``np.unique`` by sorting: numpy 2's hash-based unique is several times slower here."""
    out = np.sort(values)
    if out.size:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out


def _as_ids(ids: Ids) -> _I64:
    arr = np.asarray(ids, dtype=np.int64).reshape(-1)
    if arr.size and int(arr.min()) < 0:
        raise ValueError("ids must be non-negative")
    return arr


class MultiIndexHashing(MatchIndex):
    """Exact range index over 256-bit hashes by multi-index hashing; see the module docstring."""

    def __init__(self) -> None:
        # Largest first; each more than twice the next (binary-counter merging).
        self._segments: list[_Segment] = []
        self._buffer_ids: _I64 = np.empty(0, dtype=np.int64)
        self._buffer_words: _U64 = np.empty((0, 4), dtype=np.uint64)

    @classmethod
    def from_hashes(cls, ids: Ids, hashes: Hashes) -> MultiIndexHashing:
        """An index holding ``hashes`` under ``ids``, built in one go."""
        index = cls()
        index.add(ids, hashes)
        return index

    def add(self, ids: Ids, hashes: Hashes) -> None:
        ids = _as_ids(ids)
        words = as_hashes(hashes).view(np.uint64)
        if ids.shape[0] != words.shape[0]:
            raise ValueError("ids and hashes differ in length")
        if _sorted_unique(ids).size != ids.size:
            # The last hash given for an id wins, as if added one by one.
            _, last = np.unique(ids[::-1], return_index=True)
            keep = np.sort(ids.size - 1 - last)
            ids, words = ids[keep], words[keep]
        self.remove(ids)
        if self._buffer_ids.size + ids.size <= BUFFER_CAP:
            self._buffer_ids = np.concatenate([self._buffer_ids, ids])
            self._buffer_words = np.concatenate([self._buffer_words, words])
            return
        self._segments.append(
            _Segment.build(
                np.concatenate([self._buffer_ids, ids]),
                np.concatenate([self._buffer_words, words]),
            )
        )
        self._clear_buffer()
        self._merge()

    def remove(self, ids: Ids) -> None:
        ids = _as_ids(ids)
        if ids.size == 0:
            return
        ids_sorted = _sorted_unique(ids)
        for seg in self._segments:
            seg.delete(ids_sorted)
        if self._buffer_ids.size:
            keep = ~np.isin(self._buffer_ids, ids_sorted)
            self._buffer_ids, self._buffer_words = self._buffer_ids[keep], self._buffer_words[keep]
        self._segments = [
            _Segment.merged([s], *self._empty_arrays()) if 2 * s.n_deleted > s.ids.shape[0] else s
            for s in self._segments
        ]
        self._segments = [s for s in self._segments if len(s)]
        self._merge()

    def search(self, queries: Hashes, radius: int) -> RangeResult:
        radius = int(radius)
        if radius < 0:
            raise ValueError("radius must be non-negative")
        q = as_hashes(queries).view(np.uint64)
        parts: list[_Matches] = []
        for seg in self._segments:
            qi, rows, dist = seg.search(q, radius)
            parts.append((qi, seg.ids[rows], dist))
        if self._buffer_ids.size:
            qi, rows, dist = scan(self._buffer_words, q, radius)
            parts.append((qi, self._buffer_ids[rows], dist))
        qi, ids, dist = _concat(parts)
        if qi.size == 0:
            return RangeResult.empty()
        return RangeResult.sorted_from(qi, ids, dist)

    def __len__(self) -> int:
        return sum(len(s) for s in self._segments) + int(self._buffer_ids.size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hashes, ids, tables, tombstones, buffer)."""
        buffered = self._buffer_ids.nbytes + self._buffer_words.nbytes
        return sum(s.nbytes for s in self._segments) + buffered

    @property
    def segment_count(self) -> int:
        """Number of immutable segments (the buffer not counted); 1 after :meth:`compact`."""
        return len(self._segments)

    def compact(self) -> None:
        """Merge every segment and the buffer into one segment without tombstones."""
        segs = self._segments
        if len(segs) == 1 and not self._buffer_ids.size and not segs[0].n_deleted:
            return
        merged = _Segment.merged(self._segments, self._buffer_ids, self._buffer_words)
        self._segments = [merged] if merged.ids.size else []
        self._clear_buffer()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Compact, then write the index atomically in the format of :mod:`haechi.index.persist`."""
        self.compact()
        seg = self._segments[0] if self._segments else _Segment.build(*self._empty_arrays())
        write_index(
            path,
            IndexFile(
                ids=seg.ids,
                hashes=seg.words.view(np.uint8),
                row_bits=seg.row_bits,
                specs=seg.specs,
                offsets=seg.offsets,
                entries=seg.entries,
            ),
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, mmap: bool = False) -> MultiIndexHashing:
        """Read an index written by :meth:`save`; raises :class:`~haechi.errors.IndexError_`.

        With ``mmap`` the index is a read-only view of the file's pages, shared between
        processes; such an index is for searching only, never ``add`` or ``remove``.
        """
        f = read_index(path, mmap=mmap)
        index = cls()
        if f.ids.size:
            index._segments = [
                _Segment(f.ids, f.hashes.view(np.uint64), f.row_bits, f.specs, f.offsets, f.entries)
            ]
        return index

    def _clear_buffer(self) -> None:
        self._buffer_ids, self._buffer_words = self._empty_arrays()

    @staticmethod
    def _empty_arrays() -> tuple[_I64, _U64]:
        return np.empty(0, dtype=np.int64), np.empty((0, 4), dtype=np.uint64)

    def _merge(self) -> None:
        """Merge neighbours until each segment is more than twice the size of the next."""
        segs = self._segments
        merged = True
        while merged:
            merged = False
            for i in range(len(segs) - 1):
                if len(segs[i]) <= 2 * len(segs[i + 1]):
                    segs[i : i + 2] = [_Segment.merged(segs[i : i + 2], *self._empty_arrays())]
                    merged = True
                    break
