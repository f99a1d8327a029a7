"""A bank split by hash prefix answers exactly as one index over all of it."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from haechi.index import LinearIndex, MultiIndexHashing
from haechi.index.shards import build_shard, prefix_ranges, prefixes_of, query_batch


def test_prefix_ranges_cover_every_prefix_once() -> None:
    for shards in (1, 3, 4, 7):
        ranges = prefix_ranges(shards)
        assert ranges[0].start == 0 and ranges[-1].stop == 1 << 16
        assert all(a.stop == b.start for a, b in pairwise(ranges))
    with pytest.raises(ValueError, match="at least one"):
        prefix_ranges(0)
    assert prefixes_of(np.array([[0xAB, 0xCD] + [0] * 30], dtype=np.uint8)).tolist() == [0xABCD]


@pytest.mark.parametrize("shards", [1, 4])
def test_sharded_batch_equals_one_index(shards: int) -> None:
    rng = np.random.default_rng(shards)
    base = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    hashes = base[rng.integers(0, 300, 5000)] ^ (rng.random((5000, 32)) < 0.05).astype(
        np.uint8
    ) * np.uint8(1)
    ids = rng.permutation(50_000)[:5000]
    parts = [build_shard(ids, hashes, r) for r in prefix_ranges(shards)]
    assert sum(len(p) for p in parts) == 5000
    oracle = LinearIndex()
    oracle.add(ids, hashes)
    for radius in (0, 31):
        got, want = query_batch(parts, base, radius), oracle.search(base, radius)
        assert np.array_equal(got.query, want.query) and np.array_equal(got.ids, want.ids)
        assert np.array_equal(got.distances, want.distances)


def test_a_shard_may_be_any_set_of_prefixes() -> None:
    rng = np.random.default_rng(2)
    hashes = rng.integers(0, 256, (2000, 32), dtype=np.uint8)
    odd = [p for p in range(1 << 16) if p % 2]
    shard = build_shard(np.arange(2000), hashes, odd, profile="compact")
    assert isinstance(shard, MultiIndexHashing) and shard.profile == "compact"
    assert len(shard) == int((prefixes_of(hashes) % 2).sum())
