"""The matching-index contract: exact Hamming-radius search over 256-bit hashes.

An index maps integer ids to 32-byte hashes and answers, for a batch of query hashes, every
stored id within a Hamming radius. Exactness is the contract: an implementation may be fast in
any way it likes, but it never misses an entry inside the radius. The brute-force
:class:`~haechi.index.linear.LinearIndex` is the oracle every other index is tested against.

Hashes travel as ``numpy`` arrays of shape ``(n, 32)`` and dtype ``uint8``; byte 0 is the first
two hex digits of the hash as printed (bit 255 first, as Meta's tools print PDQ).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

HASH_BYTES = 32

Hashes = npt.NDArray[np.uint8]
Ids = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RangeResult:
    """Matches of a batch query, as three parallel arrays sorted by (query, distance, id)."""

    query: npt.NDArray[np.int64]
    ids: Ids
    distances: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def empty(cls) -> RangeResult:
        """A result with no matches."""
        return cls(
            np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32)
        )

    @classmethod
    def sorted_from(
        cls, query: npt.ArrayLike, ids: npt.ArrayLike, distances: npt.ArrayLike
    ) -> RangeResult:
        """Build a result from unsorted parallel arrays, putting them in canonical order."""
        q = np.asarray(query, dtype=np.int64)
        i = np.asarray(ids, dtype=np.int64)
        d = np.asarray(distances, dtype=np.int32)
        order = np.lexsort((i, d, q))
        return cls(q[order], i[order], d[order])

    def for_query(self, q: int) -> list[tuple[int, int]]:
        """The ``(id, distance)`` pairs of query number ``q``, nearest first."""
        lo, hi = np.searchsorted(self.query, [q, q + 1])
        pairs = zip(self.ids[lo:hi], self.distances[lo:hi], strict=True)
        return [(int(i), int(d)) for i, d in pairs]


def as_hashes(values: npt.ArrayLike) -> Hashes:
    """Validate and convert hashes to a C-contiguous ``(n, 32)`` uint8 array."""
    arr = np.ascontiguousarray(values, dtype=np.uint8)
    if arr.ndim == 1 and arr.shape[0] == HASH_BYTES:
        arr = arr.reshape(1, HASH_BYTES)
    if arr.ndim != 2 or arr.shape[1] != HASH_BYTES:
        raise ValueError(f"hashes must have shape (n, {HASH_BYTES}), got {arr.shape}")
    return arr


def hex_to_hashes(hexes: list[str]) -> Hashes:
    """Parse 64-digit hex strings into a hash array."""
    if not hexes:
        return np.empty((0, HASH_BYTES), dtype=np.uint8)
    return np.frombuffer(b"".join(bytes.fromhex(h) for h in hexes), dtype=np.uint8).reshape(
        -1, HASH_BYTES
    )


def hamming(a: Hashes, b: Hashes) -> npt.NDArray[np.int32]:
    """Pairwise-row Hamming distance of two equal-shaped hash arrays (or one against many)."""
    x = np.bitwise_xor(as_hashes(a).view(np.uint64), as_hashes(b).view(np.uint64))
    dist: npt.NDArray[np.int32] = np.bitwise_count(x).sum(axis=1, dtype=np.int32)
    return dist


class MatchIndex(ABC):
    """An exact range index over 256-bit hashes.

    Ids are caller-chosen non-negative int64 values (haechi uses signal row ids). Adding an id
    that is already present replaces its hash; removing an absent id is a no-op.
    """

    @abstractmethod
    def add(self, ids: Ids, hashes: Hashes) -> None:
        """Insert (or replace) ``ids[k]`` with ``hashes[k]``; both arrays have length n."""

    @abstractmethod
    def remove(self, ids: Ids) -> None:
        """Delete these ids; ids that are not present are ignored."""

    @abstractmethod
    def search(self, queries: Hashes, radius: int) -> RangeResult:
        """Every (query, id) pair with Hamming distance ``<= radius``; never one fewer."""

    @abstractmethod
    def __len__(self) -> int:
        """Number of ids stored."""

    def search_one(self, query: Hashes, radius: int) -> list[tuple[int, int]]:
        """Matches of one query hash as ``(id, distance)`` pairs, nearest first."""
        return self.search(as_hashes(query), radius).for_query(0)
