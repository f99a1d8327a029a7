"""One immutable run of index entries and its substring tables (see :mod:`haechi.index.mih`).

Layout: entries sorted by id; ids bit-packed at the width of the largest id (so the packed
array doubles as the id lookup, by binary search); hashes as ``(n, 4)`` uint64 in the same
order; the tables as two-level bucket offsets (:class:`~haechi.index.bits.Offsets`) and one
bit-packed array of entries, table ``j``'s at positions ``[j * stride, j * stride + n)``. An
entry is a row number in its low ``row_bits`` bits with the region's next ``ext_bits`` hash
bits above them, which filter candidates before their hash is read.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from haechi.index import bits
from haechi.index.bits import BLOCK_SHIFT
from haechi.index.plan import HASH_BITS, Layout, Profile, plan_tables
from haechi.index.probing import (
    Fields,
    Matches,
    ball,
    close_rows,
    concat,
    flip_masks,
    no_matches,
    region_radii,
    scan,
    substring,
)

_U8 = npt.NDArray[np.uint8]
_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]
_Bool = npt.NDArray[np.bool_]
_Plan = list[tuple[int, int]]

MIN_TABLE_ENTRIES = 1024  # below this a segment keeps no tables: a scan is as fast
_PROBES_PER_CHUNK = 1 << 15  # keeps one batch step's working arrays in L2 (measured best)
_MAX_PROBES = 1 << 20  # per table and query; beyond this a scan is cheaper anyway
# Rough costs in ns on one core (only their ratios matter), used to choose probing vs scanning.
_NS_PROBE = 25.0
_NS_ENTRY = 10.0
_NS_VERIFY = 40.0
NS_SCAN = 4.0


def stride_of(n: int) -> int:
    """Positions between two tables' entries: ``n`` rounded up to 8, so each starts on a byte."""
    return (n + 7) // 8 * 8


class Segment:
    """An immutable, id-sorted run of entries and its tables; removal is a tombstone.

    All tables share ``key_bits``, so their arrays stack, and a batch of queries probes every
    table in a handful of numpy calls; that matters most for single queries, where call
    overhead dominates.
    """

    def __init__(
        self,
        ids: _U8,
        id_bits: int,
        words: _U64,
        layout: Layout,
        offsets: bits.Offsets,
        entries: _U8,
    ) -> None:
        self.packed_ids = ids
        self.id_bits = id_bits
        self.words = words
        self.layout = layout
        self.specs = layout.specs
        self.key_bits = self.specs[0].key_bits if self.specs else 0
        self.offsets = offsets
        self.entries = entries
        self.size = int(words.shape[0])
        self._keys = Fields([s.bit_offset for s in self.specs], [s.key_bits for s in self.specs])
        self._exts = Fields(
            [s.bit_offset + s.key_bits for s in self.specs], [s.ext_bits for s in self.specs]
        )
        # Allocated on the first removal, so a loaded index costs nothing for it.
        self.deleted: _Bool | None = None
        self.n_deleted = 0

    @classmethod
    def build(cls, ids: _I64, words: _U64, profile: Profile = "fast") -> Segment:
        """Sort by id and build the tables; ``ids`` must be unique and non-negative."""
        order = np.argsort(ids, kind="stable")
        ids = np.ascontiguousarray(ids[order])
        words = np.ascontiguousarray(words[order])
        n = int(ids.shape[0])
        id_bits = bits.bits_for(int(ids[-1]) if n else 0)
        packed_ids = bits.pack(ids, id_bits)
        if n < MIN_TABLE_ENTRIES:
            return cls(
                packed_ids, id_bits, words, Layout(1, 8, ()), bits.Offsets.empty(), bits.pack([], 8)
            )
        layout = plan_tables(n, profile)
        key_bits = layout.specs[0].key_bits
        stride = stride_of(n)
        m = len(layout.specs)
        entries = np.zeros(bits.packed_nbytes(m * stride, layout.entry_bits), dtype=np.uint8)
        counts = np.empty((m, 1 << key_bits), dtype=np.int64)
        rows = np.arange(n, dtype=np.int64)
        low = np.int64((1 << layout.entry_bits) - 1)
        for j, spec in enumerate(layout.specs):
            key = substring(words, spec.bit_offset, key_bits).astype(np.int64)
            ext = substring(words, spec.bit_offset + key_bits, spec.ext_bits).astype(np.int64)
            entry = (ext << layout.row_bits) | rows
            if key_bits + layout.entry_bits <= 63:
                # One sort of (key, entry) packed in an int64 is much faster than an argsort.
                ordered = np.sort((key << layout.entry_bits) | entry) & low
            else:
                ordered = entry[np.argsort(key, kind="stable")]
            bits.pack(ordered, layout.entry_bits, out=entries, first=j * stride)
            counts[j] = np.bincount(key, minlength=1 << key_bits)
        return cls(packed_ids, id_bits, words, layout, bits.Offsets.from_counts(counts), entries)

    @classmethod
    def merged(
        cls, segments: list[Segment], ids: _I64, words: _U64, profile: Profile = "fast"
    ) -> Segment:
        """One segment holding the live entries of ``segments`` plus ``ids``/``words``."""
        live = [s.live_arrays() for s in segments]
        return cls.build(
            np.concatenate([a for a, _ in live] + [ids]),
            np.concatenate([w for _, w in live] + [words]),
            profile,
        )

    def __len__(self) -> int:
        return self.size - self.n_deleted

    @property
    def nbytes(self) -> int:
        arrays: list[npt.NDArray[np.generic]] = [self.packed_ids, self.words, self.entries]
        if self.deleted is not None:
            arrays.append(self.deleted)
        return sum(a.nbytes for a in arrays) + self.offsets.nbytes

    def ids_at(self, rows: _I64) -> _I64:
        """The ids of these rows."""
        return bits.gather(self.packed_ids, self.id_bits, rows).astype(np.int64)

    def all_ids(self) -> _I64:
        return bits.unpack(self.packed_ids, self.id_bits, self.size).astype(np.int64)

    def live_arrays(self) -> tuple[_I64, _U64]:
        ids = self.all_ids()
        if self.deleted is None:
            return ids, self.words
        keep = ~self.deleted
        return ids[keep], self.words[keep]

    def delete(self, ids: _I64) -> None:
        """Tombstone the live entries whose id is in ``ids`` (sorted and unique)."""
        n = self.size
        if n == 0 or ids.size == 0:
            return
        top = int(bits.gather(self.packed_ids, self.id_bits, [n - 1])[0])
        ids = ids[ids <= top]  # new ids are usually above every stored one
        if ids.size == 0:
            return
        pos = np.minimum(bits.search_sorted(self.packed_ids, self.id_bits, n, ids), n - 1)
        rows = pos[self.ids_at(pos) == ids]
        if rows.size == 0:
            return
        if self.deleted is None:
            self.deleted = np.zeros(n, dtype=np.bool_)
        rows = rows[~self.deleted[rows]]
        self.deleted[rows] = True
        self.n_deleted += int(rows.size)

    def search(self, queries: _U64, radius: int) -> Matches:
        """Every live (query, row) pair within ``radius``, each once."""
        plan = self._probe_plan(radius)
        if plan is None:
            qi, rows, dist = scan(self.words, queries, radius)
        else:
            per_query = sum(ball(self.key_bits, rho) for j, rho in plan)
            step = max(1, _PROBES_PER_CHUNK // per_query)
            parts = []
            for start in range(0, queries.shape[0], step):
                qi, rows, dist = self._probe(queries[start : start + step], radius, plan)
                parts.append((qi + start, rows, dist))
            qi, rows, dist = concat(parts)
        if self.deleted is not None and rows.size:
            live = ~self.deleted[rows]
            qi, rows, dist = qi[live], rows[live], dist[live]
        return qi, rows, dist

    def _probe_plan(self, radius: int) -> _Plan | None:
        """The (table, radius) pairs to probe, or ``None`` when a scan is expected to be cheaper."""
        n = self.size
        if not self.specs or radius >= HASH_BITS:
            return None
        plan: _Plan = []
        cost = 0.0
        for j, rho in enumerate(region_radii(len(self.specs), radius)):
            if rho < 0:
                continue
            probes = ball(self.key_bits, rho)
            if probes > _MAX_PROBES:
                return None
            width = self.key_bits + self.specs[j].ext_bits
            cost += probes * (_NS_PROBE + _NS_ENTRY * n / 2**self.key_bits)
            cost += ball(width, rho) * _NS_VERIFY * n / 2**width
            plan.append((j, rho))
        return plan if cost < n * NS_SCAN else None

    def _probe(self, q: _U64, radius: int, plan: _Plan) -> Matches:
        n = self.size
        stride = stride_of(n)
        row_bits = self.layout.row_bits
        keys = self._keys(q)
        exts = self._exts(q)
        flat_rel = self.offsets.rel.reshape(-1)
        rel_stride = self.offsets.rel.shape[1]
        starts: list[_I64] = []
        counts: list[_I64] = []
        tags: list[_I64] = []
        # Tables probed at the same radius share their flip masks: one broadcast per radius.
        for rho in sorted({rho for _, rho in plan}):
            tables = np.array([j for j, r in plan if r == rho], dtype=np.int64)
            masks, weights = flip_masks(self.key_bits, rho)
            nprobe = masks.shape[0]
            # Table-major order, so each table's offsets and entries stay hot in cache.
            probe = keys.T[tables, :, None] ^ masks[None, None, :]
            probe += (probe >> BLOCK_SHIFT) + (tables * rel_stride)[:, None, None]
            probe = probe.reshape(-1)
            # Sizes first: one cache line per probe; starts only for the buckets found.
            rel = flat_rel[probe]
            hit = np.flatnonzero(flat_rel[probe + 1] - rel)
            if hit.size == 0:
                continue
            lo, count = self.offsets.bucket(probe[hit])
            query_of = (hit // nprobe) % q.shape[0]
            table_of = tables[hit // (nprobe * q.shape[0])]
            budget = rho - weights[hit % nprobe]
            starts.append(lo + table_of * stride)
            counts.append(count.astype(np.int64))
            # (query, radius left for the ext bits, query's ext bits) in one int64, so that a
            # single repeat carries all three to the candidates.
            tags.append((query_of << 16) | (budget << 8) | exts[query_of, table_of])
        if not starts:
            return no_matches()
        start, cnt, tag = np.concatenate(starts), np.concatenate(counts), np.concatenate(tags)
        first = np.cumsum(cnt) - cnt
        pos = np.repeat(start - first, cnt) + np.arange(int(first[-1] + cnt[-1]))
        ent = bits.gather(self.entries, self.layout.entry_bits, pos).view(np.int64)
        tag = np.repeat(tag, cnt)
        # A candidate outside this table's radius on its whole region is dropped here: if it
        # is a match at all, another table yields it (the pigeonhole argument).
        far = np.bitwise_count((ent >> row_bits) ^ (tag & 0xFF))
        keep = far <= ((tag >> 8) & 0xFF)
        rows = np.minimum(
            ent[keep] & ((1 << row_bits) - 1), n - 1
        )  # a damaged file cannot read past the end
        qi = tag[keep] >> 16
        close, dist = close_rows(np.take(self.words, rows, axis=0) ^ np.take(q, qi, axis=0), radius)
        rows, qi = rows[close], qi[close]
        # A match found through several tables is reported once.
        _, first_seen = np.unique(qi * n + rows, return_index=True)
        return qi[first_seen], rows[first_seen], dist[first_seen]
