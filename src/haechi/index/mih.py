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

Where the pieces live: :mod:`~haechi.index.plan` chooses the regions (the ``fast`` or the
``compact`` profile), :mod:`~haechi.index.segment` holds one immutable run of entries and its
tables, :mod:`~haechi.index.bits` packs their integers, :mod:`~haechi.index.kernels` has the
compiled probe-and-verify loop (numba), :mod:`~haechi.index.probing` the numpy helpers and
brute force, and :mod:`~haechi.index.persist` the file format.

Memory at 10M entries with ``fast``: 28 bytes of hash (bits 32-255), 1 of table 0's filter
bits, 3 of packed id, nine tables of 3-byte row numbers and ten bucket bitmaps of about a
quarter byte each: about 62 bytes an entry (102.5 before). Table 0 costs no entries because the
rows are sorted by its region, and its key bits are not stored because a row's bucket gives
them. What makes few tables affordable is speed per probe: the compiled loop costs a cache miss
or two a probe where numpy cost several array passes (``bench/index.py`` measures both).

Updates never rebuild the whole index: new hashes go to a small buffer that is scanned by brute
force; a full buffer becomes a segment, and segments of similar size are merged like a binary
counter, so each entry is rebuilt O(log n) times. Removal marks a tombstone; a segment that is
more than half tombstones is rebuilt. Adding an id that is present replaces its hash.
"""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt

from haechi.index.base import Hashes, Ids, MatchIndex, RangeResult, as_hashes
from haechi.index.persist import IndexFile, read_index, write_index
from haechi.index.plan import PROFILES, Profile
from haechi.index.probing import Matches, concat, scan
from haechi.index.segment import Segment

_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]

BUFFER_CAP = 4096
"""Hashes added since the last flush, searched by brute force, before they become a segment."""


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

    def __init__(self, profile: Profile = "fast") -> None:
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {', '.join(PROFILES)}")
        self.profile: Profile = profile
        # Largest first; each more than twice the next (binary-counter merging).
        self._segments: list[Segment] = []
        self._buffer_ids: _I64 = np.empty(0, dtype=np.int64)
        self._buffer_words: _U64 = np.empty((0, 4), dtype=np.uint64)

    @classmethod
    def from_hashes(cls, ids: Ids, hashes: Hashes, profile: Profile = "fast") -> MultiIndexHashing:
        """An index holding ``hashes`` under ``ids``, built in one go."""
        index = cls(profile)
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
            Segment.build(
                np.concatenate([self._buffer_ids, ids]),
                np.concatenate([self._buffer_words, words]),
                self.profile,
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
            self._rebuilt([s]) if 2 * s.n_deleted > s.size else s for s in self._segments
        ]
        self._segments = [s for s in self._segments if len(s)]
        self._merge()

    def search(self, queries: Hashes, radius: int) -> RangeResult:
        radius = int(radius)
        if radius < 0:
            raise ValueError("radius must be non-negative")
        q = as_hashes(queries).view(np.uint64)
        parts: list[Matches] = []
        for seg in self._segments:
            qi, rows, dist = seg.search(q, radius)
            parts.append((qi, seg.ids_at(rows), dist))
        if self._buffer_ids.size:
            qi, rows, dist = scan(self._buffer_words, q, radius)
            parts.append((qi, self._buffer_ids[rows], dist))
        qi, ids, dist = concat(parts)
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
        merged = Segment.merged(self._segments, self._buffer_ids, self._buffer_words, self.profile)
        self._segments = [merged] if merged.size else []
        self._clear_buffer()

    def save(self, path: str | os.PathLike[str]) -> None:
        """Compact, then write the index atomically in the format of :mod:`haechi.index.persist`."""
        self.compact()
        seg = self._segments[0] if self._segments else self._rebuilt([])
        write_index(
            path,
            IndexFile(
                n=seg.size,
                profile=self.profile,
                ids=seg.packed_ids,
                id_bits=seg.id_bits,
                hi=seg.hi,
                low=seg.low,
                layout=seg.layout,
                bitmaps=seg.bitmaps,
                samples=seg.samples,
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
        index = cls(f.profile)
        if f.n:
            index._segments = [
                Segment(f.ids, f.id_bits, f.hi, f.low, f.layout, f.bitmaps, f.samples, f.entries)
            ]
        return index

    def _rebuilt(self, segments: list[Segment]) -> Segment:
        return Segment.merged(segments, *self._empty_arrays(), self.profile)

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
                    segs[i : i + 2] = [self._rebuilt(segs[i : i + 2])]
                    merged = True
                    break
