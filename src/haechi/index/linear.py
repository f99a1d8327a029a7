"""Brute-force index: compares every query with every stored hash.

Exact by construction, so it is the oracle for faster indexes, and good enough for banks of a
few hundred thousand entries. Memory: 32 bytes per hash plus 8 per id.
"""

from __future__ import annotations

import numpy as np

from haechi.index.base import HASH_BYTES, Hashes, Ids, MatchIndex, RangeResult, as_hashes

_CHUNK = 1 << 16


class LinearIndex(MatchIndex):
    """Exact range search by scanning all hashes with vectorised popcount."""

    def __init__(self) -> None:
        self._ids: Ids = np.empty(0, dtype=np.int64)
        self._words = np.empty((0, HASH_BYTES // 8), dtype=np.uint64)

    def add(self, ids: Ids, hashes: Hashes) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        words = as_hashes(hashes).view(np.uint64)
        if ids.shape[0] != words.shape[0]:
            raise ValueError("ids and hashes differ in length")
        self.remove(ids)
        self._ids = np.concatenate([self._ids, ids])
        self._words = np.concatenate([self._words, words])

    def remove(self, ids: Ids) -> None:
        if self._ids.size == 0:
            return
        keep = ~np.isin(self._ids, np.asarray(ids, dtype=np.int64))
        if not keep.all():
            self._ids = self._ids[keep]
            self._words = self._words[keep]

    def search(self, queries: Hashes, radius: int) -> RangeResult:
        qwords = as_hashes(queries).view(np.uint64)
        found_q: list[np.ndarray] = []
        found_i: list[np.ndarray] = []
        found_d: list[np.ndarray] = []
        for qi in range(qwords.shape[0]):
            q = qwords[qi]
            for start in range(0, self._words.shape[0], _CHUNK):
                block = self._words[start : start + _CHUNK]
                dist = np.bitwise_count(block ^ q).sum(axis=1, dtype=np.int32)
                hit = np.flatnonzero(dist <= radius)
                if hit.size:
                    found_q.append(np.full(hit.size, qi, dtype=np.int64))
                    found_i.append(self._ids[start + hit])
                    found_d.append(dist[hit])
        if not found_q:
            return RangeResult.empty()
        return RangeResult.sorted_from(
            np.concatenate(found_q), np.concatenate(found_i), np.concatenate(found_d)
        )

    def __len__(self) -> int:
        return int(self._ids.shape[0])
