"""Searching in short calls gives what one search gives; a request of any size is answered."""

from __future__ import annotations

import numpy as np

from haechi.index import MultiIndexHashing
from haechi.platform_api.batching import search_chunked


def test_chunked_search_equals_one_search() -> None:
    rng = np.random.default_rng(2)
    hashes = rng.integers(0, 256, (3000, 32), dtype=np.uint8)
    index = MultiIndexHashing()
    index.add(np.arange(3000, dtype=np.int64), hashes)
    near = hashes[rng.integers(0, 3000, 700)].copy()
    near[:, :2] ^= 0x0F  # 8 bits off
    queries = np.concatenate([near, rng.integers(0, 256, (300, 32), dtype=np.uint8)])
    whole = index.search(queries, 31)
    chunked = search_chunked(index, queries, 31, chunk=64)
    assert len(whole) >= 700
    for name in ("query", "ids", "distances"):
        assert np.array_equal(getattr(whole, name), getattr(chunked, name)), name
