"""One immutable run of index entries and its substring tables (see :mod:`haechi.index.mih`).

Layout (about 62 bytes an entry at 10M with the ``fast`` plan): rows sorted by hash bits 0-31
(table 0's region); ``hi`` the hash's bits 32-255 as ``(n, 7)`` uint32 (28 bytes); ``low``
table 0's low ``ext_bits`` bits, bit-packed (its key bits are the row's bucket, not stored);
ids bit-packed in row order; per table a unary bitmap of its buckets (a one per entry, a zero
ending each bucket, after one leading zero; about two bits an entry) with every 64th bucket's
position sampled; and for tables 1.. their rows bit-packed at ``log2 n`` bits, table ``j``'s at
positions ``[(j - 1) * stride, (j - 1) * stride + n)``. The compiled loops live in
:mod:`~haechi.index.kernels`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from haechi.index import bits, kernels
from haechi.index.plan import HASH_BITS, Layout, Profile, plan_tables
from haechi.index.probing import Matches, ball, flip_masks, region_radii, scan, substring

_U8 = npt.NDArray[np.uint8]
_U32 = npt.NDArray[np.uint32]
_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]
_Bool = npt.NDArray[np.bool_]
_Plan = list[int]  # the radius of each table, -1: not probed

MIN_TABLE_ENTRIES = 1024  # below this a segment is scanned: as fast as probing
_MAX_PROBES = 1 << 20  # per table and query; beyond this a scan is cheaper anyway
# Rough costs in ns on one core (only their ratios matter), used to choose probing vs scanning.
_NS_PROBE = 50.0
_NS_ENTRY = 75.0
NS_SCAN = 24.0  # numpy brute force over the rebuilt hashes (measured at 5K-200K)
_GUARD_WORDS = 2  # zero words after each bitmap: every bit walk stops inside the array


def stride_of(n: int) -> int:
    """Positions between two tables' entries: ``n`` rounded up to 8, so each starts on a byte."""
    return (n + 7) // 8 * 8


def bitmap_words(n: int, key_bits: int) -> int:
    """uint64 words of one table's bucket bitmap: a leading zero, n ones, 2**k zeros, guard."""
    return (1 + n + (1 << key_bits) + 63) // 64 + _GUARD_WORDS


def sample_count(key_bits: int) -> int:
    return max(1, (1 << key_bits) >> kernels.SAMPLE_SHIFT)


def _bitmap(counts: _I64) -> tuple[_U64, _U32]:
    """The unary bitmap of bucket sizes ``counts`` and its sampled positions."""
    buckets = counts.shape[0]
    n = int(counts.sum())
    zeros = np.empty(buckets + 1, dtype=np.int64)
    zeros[0] = 0
    np.cumsum(counts, out=zeros[1:])
    zeros[1:] += np.arange(1, buckets + 1)
    words = bitmap_words(n, buckets.bit_length() - 1)
    flags = np.zeros(words * 64, dtype=np.bool_)
    flags[: 1 + n + buckets] = True
    flags[zeros] = False
    packed = np.packbits(flags, bitorder="little").view("<u8")
    samples = zeros[:-1][:: 1 << kernels.SAMPLE_SHIFT]
    if int(zeros[-1]) >= 1 << 32:
        raise ValueError("a segment this large needs wider bitmap samples")
    return packed, samples.astype(np.uint32)


class Segment:
    """An immutable run of entries and its tables; removal is a tombstone."""

    def __init__(
        self,
        ids: _U8,
        id_bits: int,
        hi: _U32,
        low: _U8,
        layout: Layout,
        bitmaps: _U64,
        samples: _U32,
        entries: _U8,
    ) -> None:
        self.packed_ids = ids
        self.id_bits = id_bits
        self.hi = hi
        self.low = low
        self.layout = layout
        self.specs = layout.specs
        self.bitmaps = bitmaps
        self.samples = samples
        self.entries = entries
        self.size = int(hi.shape[0])
        keys = [s.key_bits for s in self.specs]
        self._bm_start = np.cumsum([0] + [bitmap_words(self.size, k) for k in keys])
        self._sm_start = np.cumsum([0] + [sample_count(k) for k in keys])
        self._masks: dict[tuple[int, ...], tuple[_I64, _I64, _I64, _I64]] = {}
        # Allocated on the first removal, so a loaded index costs nothing for it.
        self.deleted: _Bool | None = None
        self.n_deleted = 0
        self._id_range: tuple[int, int] | None = None

    @classmethod
    def build(cls, ids: _I64, words: _U64, profile: Profile = "fast") -> Segment:
        """Sort by table 0's region and build the tables; ``ids`` unique and non-negative."""
        n = int(ids.shape[0])
        layout = plan_tables(n, profile)
        t0 = layout.specs[0]
        order = np.argsort(words[:, 0].astype(np.uint32), kind="stable")
        ids, words = ids[order], np.ascontiguousarray(words[order])
        id_bits = bits.bits_for(int(ids.max()) if n else 0)
        hi = np.ascontiguousarray(words.view(np.uint32).reshape(n, 8)[:, 1:])
        low = bits.pack(substring(words, 0, t0.ext_bits), t0.ext_bits)
        stride = stride_of(n)
        m = len(layout.specs)
        entries = np.zeros(bits.packed_nbytes((m - 1) * stride, layout.entry_bits), np.uint8)
        bitmaps, samples = [], []
        rows = np.arange(n, dtype=np.int64)
        for j, spec in enumerate(layout.specs):
            key = substring(words, spec.bit_offset + spec.ext_bits, spec.key_bits).astype(np.int64)
            packed, sampled = _bitmap(np.bincount(key, minlength=1 << spec.key_bits))
            bitmaps.append(packed)
            samples.append(sampled)
            if j == 0:
                continue
            if spec.key_bits + layout.row_bits <= 63:
                # One sort of (key, row) packed in an int64 is much faster than an argsort.
                ordered = np.sort((key << layout.row_bits) | rows) & ((1 << layout.row_bits) - 1)
            else:
                ordered = rows[np.argsort(key, kind="stable")]
            bits.pack(ordered, layout.entry_bits, out=entries, first=(j - 1) * stride)
        return cls(
            bits.pack(ids, id_bits),
            id_bits,
            hi,
            low,
            layout,
            np.concatenate(bitmaps),
            np.concatenate(samples),
            entries,
        )

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
        arrays: list[npt.NDArray[np.generic]] = [
            self.packed_ids,
            self.hi,
            self.low,
            self.bitmaps,
            self.samples,
            self.entries,
        ]
        if self.deleted is not None:
            arrays.append(self.deleted)
        return sum(a.nbytes for a in arrays)

    def words(self) -> _U64:
        """Every row's whole hash, ``(n, 4)`` uint64 (rebuilt from the stored pieces)."""
        if self.size == 0:
            return np.empty((0, 4), dtype=np.uint64)
        bitmap0 = self.bitmaps[: self._bm_start[1]]
        out: _U64 = kernels.full_words(self.hi, self.low, self.specs[0].ext_bits, bitmap0)
        return out

    def ids_at(self, rows: _I64) -> _I64:
        """The ids of these rows."""
        return bits.gather(self.packed_ids, self.id_bits, rows).astype(np.int64)

    def all_ids(self) -> _I64:
        return bits.unpack(self.packed_ids, self.id_bits, self.size).astype(np.int64)

    def live_arrays(self) -> tuple[_I64, _U64]:
        ids, words = self.all_ids(), self.words()
        if self.deleted is None:
            return ids, words
        keep = ~self.deleted
        return ids[keep], words[keep]

    def delete(self, ids: _I64) -> None:
        """Tombstone the live entries whose id is in ``ids`` (sorted and unique)."""
        if self.size == 0 or ids.size == 0:
            return
        if self._id_range is None:
            every = self.all_ids()
            self._id_range = (int(every.min()), int(every.max()))
        low, top = self._id_range
        ids = ids[(ids >= low) & (ids <= top)]  # new ids are usually above every stored one
        if ids.size == 0:
            return
        rows = np.flatnonzero(np.isin(self.all_ids(), ids, assume_unique=True))
        if rows.size == 0:
            return
        if self.deleted is None:
            self.deleted = np.zeros(self.size, dtype=np.bool_)
        rows = rows[~self.deleted[rows]]
        self.deleted[rows] = True
        self.n_deleted += int(rows.size)

    def search(self, queries: _U64, radius: int) -> Matches:
        """Every live (query, row) pair within ``radius``, each once."""
        plan = self._probe_plan(radius)
        if plan is None:
            qi, rows, dist = scan(self.words(), queries, radius)
        else:
            qi, rows, dist = self._probe(np.ascontiguousarray(queries), radius, plan)
        if self.deleted is not None and rows.size:
            live = ~self.deleted[rows]
            qi, rows, dist = qi[live], rows[live], dist[live]
        return qi, rows, dist

    def _probe_plan(self, radius: int) -> _Plan | None:
        """Each table's radius, or ``None`` when a scan is expected to be cheaper."""
        n = self.size
        if n < MIN_TABLE_ENTRIES or radius >= HASH_BITS:
            return None
        plan = region_radii(len(self.specs), radius)
        cost = 0.0
        for spec, rho in zip(self.specs, plan, strict=True):
            if rho < 0:
                continue
            probes = ball(spec.key_bits, rho)
            if probes > _MAX_PROBES:
                return None
            cost += probes * (_NS_PROBE + _NS_ENTRY * n / 2**spec.key_bits)
        return plan if cost < n * NS_SCAN else None

    def _flip_masks(self, plan: _Plan) -> tuple[_I64, _I64, _I64, _I64]:
        """Each probed table's flip masks and weights, concatenated, with their starts."""
        key = tuple(plan)
        if key not in self._masks:
            none = np.empty(0, dtype=np.int64)
            pairs = [
                flip_masks(spec.key_bits, rho) if rho >= 0 else (none, none)
                for spec, rho in zip(self.specs, plan, strict=True)
            ]
            start = np.cumsum([0] + [w.shape[0] for _, w in pairs]).astype(np.int64)
            self._masks[key] = (
                np.concatenate([m for m, _ in pairs]),
                np.concatenate([w for _, w in pairs]),
                start,
                np.asarray(plan, dtype=np.int64),
            )
        return self._masks[key]

    def _probe(self, q: _U64, radius: int, plan: _Plan) -> Matches:
        masks, weights, mask_start, rhos = self._flip_masks(plan)
        offs = np.array([s.bit_offset for s in self.specs], dtype=np.int64)
        widths = np.array([s.width for s in self.specs], dtype=np.int64)
        cap = max(1024, 4 * q.shape[0])
        out_q, out_r = np.empty(cap, np.int64), np.empty(cap, np.int64)
        out_d = np.empty(cap, np.int64)
        count, done = 0, 0
        while done < q.shape[0]:
            done, count, full = kernels.search(
                self.hi, self.low, self.specs[0].ext_bits, q, radius, offs, widths, rhos,
                self.bitmaps, self._bm_start, self.samples, self._sm_start, self.entries,
                self.layout.entry_bits, stride_of(self.size), masks, weights, mask_start,
                out_q, out_r, out_d, count, done,
            )  # fmt: skip
            if full:
                cap *= 4
                out_q, out_r, out_d = (np.resize(a, cap) for a in (out_q, out_r, out_d))
        return out_q[:count].copy(), out_r[:count].copy(), out_d[:count].astype(np.int32)
