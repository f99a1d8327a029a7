"""The matching index split by hash prefix, for banks larger than one process should hold.

Shard ``k`` of ``n`` holds the entries whose first ``PREFIX_BITS`` bits fall in the k-th of ``n``
equal prefix ranges (:func:`prefix_ranges`), so shards hold about ``1/n`` of the bank each. A
match within radius 31 may differ from the query in its prefix, so every batch of queries goes
to every shard and the answers are merged (:func:`query_batch`): sharding splits memory and
work, not the query. Whatever runs the shards (processes on one machine, Ray actors on many)
only needs :func:`build_shard` and :meth:`~haechi.index.MatchIndex.search`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from haechi.index.base import Hashes, Ids, MatchIndex, RangeResult, as_hashes
from haechi.index.mih import MultiIndexHashing
from haechi.index.plan import Profile

PREFIX_BITS = 16


def prefixes_of(hashes: Hashes) -> npt.NDArray[np.int64]:
    """The first 16 bits of each hash, as printed (its first four hex digits)."""
    arr = as_hashes(hashes)
    out: npt.NDArray[np.int64] = (arr[:, 0].astype(np.int64) << 8) | arr[:, 1]
    return out


def prefix_ranges(shards: int) -> list[range]:
    """``shards`` equal, contiguous ranges covering every prefix."""
    if shards < 1:
        raise ValueError("at least one shard")
    size = 1 << PREFIX_BITS
    return [range(k * size // shards, (k + 1) * size // shards) for k in range(shards)]


def shard_mask(hashes: Hashes, prefixes: range | Iterable[int]) -> npt.NDArray[np.bool_]:
    """Which hashes belong to a shard holding ``prefixes`` (a range or any set of them)."""
    prefix = prefixes_of(hashes)
    if isinstance(prefixes, range) and prefixes.step == 1:
        mask: npt.NDArray[np.bool_] = (prefix >= prefixes.start) & (prefix < prefixes.stop)
        return mask
    wanted = np.fromiter(prefixes, dtype=np.int64)
    return np.isin(prefix, wanted)


def build_shard(
    ids: Ids, hashes: Hashes, prefixes: range | Iterable[int], profile: Profile = "fast"
) -> MultiIndexHashing:
    """An index of the entries whose prefix is in ``prefixes``, compacted for searching."""
    arr = as_hashes(hashes)
    mine = shard_mask(arr, prefixes)
    index = MultiIndexHashing.from_hashes(np.asarray(ids, dtype=np.int64)[mine], arr[mine], profile)
    index.compact()
    return index


def merge(parts: Sequence[RangeResult]) -> RangeResult:
    """The shards' answers to one batch as one result, in the canonical order."""
    found = [p for p in parts if len(p)]
    if not found:
        return RangeResult.empty()
    return RangeResult.sorted_from(
        np.concatenate([p.query for p in found]),
        np.concatenate([p.ids for p in found]),
        np.concatenate([p.distances for p in found]),
    )


def query_batch(shards: Sequence[MatchIndex], queries: Hashes, radius: int) -> RangeResult:
    """Every stored entry of every shard within ``radius`` of each query (in this process)."""
    q = as_hashes(queries)
    return merge([shard.search(q, radius) for shard in shards])
