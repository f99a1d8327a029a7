"""The PDQ matching index split across actors by hash prefix, queried in batches.

Shard ``k`` of ``n`` holds the live PDQ and crop signals whose first 16 bits fall in the k-th
of ``n`` equal prefix ranges, so each shard holds about ``1/n`` of the bank, built from the
database when the actor starts (and again if Ray restarts it). A match within radius 31 may
differ from the query in its prefix, so a batch of queries goes to every shard at once and
the answers are merged: the shards split memory and work, not the query.
:class:`ShardedIndex` is a :class:`~haechi.index.MatchIndex`, so the local
:class:`~haechi.scan.matcher.BankMatcher` uses it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from haechi.errors import IndexError_
from haechi.index import MatchIndex, MultiIndexHashing, RangeResult, as_hashes, hex_to_hashes
from haechi.index.base import Hashes, Ids
from haechi.index.shards import build_shard, merge, prefix_ranges
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database


class IndexShard:
    """One shard's index (run as a Ray actor): the signals whose prefix falls in it."""

    def __init__(self, settings: Settings, shard: int, shards: int) -> None:
        if not 0 <= shard < shards:
            raise IndexError_(f"shard {shard} is not one of {shards}")
        db = Database(settings.resolved_database_url)
        try:
            with db.session() as session:
                rows = BankStore(session).range_signals(settings.pdq_min_quality)
        finally:
            db.close()
        self.index = MultiIndexHashing()
        if rows:
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            hashes = hex_to_hashes([r[3] for r in rows])
            self.index = build_shard(ids, hashes, prefix_ranges(shards)[shard])

    def size(self) -> int:
        """How many signals this shard holds."""
        return len(self.index)

    def search(self, queries: Hashes, radius: int) -> RangeResult:
        """Every (query, signal) pair of this shard within ``radius``."""
        return self.index.search(queries, radius)


class ShardedIndex(MatchIndex):
    """A read-only index whose entries live in shard actors; a search asks them all at once."""

    def __init__(self, handles: Sequence[Any], sizes: Sequence[int]) -> None:
        self.handles = list(handles)
        self._size = sum(sizes)

    def add(self, ids: Ids, hashes: Hashes) -> None:
        raise IndexError_("the sharded index is built from the database when a scan starts")

    def remove(self, ids: Ids) -> None:
        raise IndexError_("the sharded index is built from the database when a scan starts")

    def search(self, queries: Hashes, radius: int) -> RangeResult:
        from haechi.distributed.cluster import ray_module

        ray = ray_module()
        batch = as_hashes(queries)
        return merge(ray.get([h.search.remote(batch, radius) for h in self.handles]))

    def __len__(self) -> int:
        return self._size
