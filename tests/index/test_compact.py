"""The compact storage of the index: packed integers, bucket bitmaps, the two profiles.

Every layout must give exactly the brute-force answer; these tests pin the pieces that make the
index smaller (bit packing, unary bucket bitmaps, table 0 implied by the row order) and the
profiles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from haechi.index import LinearIndex, MultiIndexHashing, bits, kernels
from haechi.index import segment as segment_module
from haechi.index.plan import plan_tables


@pytest.mark.parametrize("width", [8, 13, 24, 25, 32, 41, 57, 64])
def test_packed_values_round_trip(width: int) -> None:
    rng = np.random.default_rng(width)
    top = (1 << width) - 1
    values = rng.integers(0, top, 1001, dtype=np.uint64, endpoint=True)
    buf = bits.pack(values, width)
    assert buf.nbytes == bits.packed_nbytes(1001, width)
    assert np.array_equal(bits.unpack(buf, width, 1001), values)
    picks = rng.integers(0, 1001, 300)
    assert np.array_equal(bits.gather(buf, width, picks), values[picks])


def test_packed_runs_are_placed_at_their_offset() -> None:
    out = np.zeros(bits.packed_nbytes(32, 19), dtype=np.uint8)
    bits.pack(np.arange(16), 19, out=out, first=16)
    assert np.array_equal(bits.unpack(out, 19, 32), np.r_[np.zeros(16), np.arange(16)])
    with pytest.raises(ValueError, match="multiple of 8"):
        bits.pack([1], 19, out=out, first=3)
    with pytest.raises(ValueError, match="cannot pack"):
        bits.pack([1], 60)


def test_bucket_bitmap_gives_every_bucket_and_row() -> None:
    """Starts and sizes read back from the bitmap, and the bucket of every row, by brute force."""
    rng = np.random.default_rng(2)
    counts = rng.poisson(1.2, 1 << 10).astype(np.int64)
    counts[7] = 300  # a bucket longer than several bitmap words
    packed, samples = segment_module._bitmap(counts)
    starts = np.concatenate([[0], np.cumsum(counts)])
    for b in range(counts.shape[0]):
        pos, size = kernels.zero_at(packed, np.int64(samples[b >> 6]), np.int64(b & 63))
        assert (pos - b, size) == (starts[b], counts[b])
    rows = np.repeat(np.arange(counts.shape[0]), counts)
    for row in [*rng.integers(0, rows.shape[0], 400).tolist(), 0, rows.shape[0] - 1]:
        assert kernels.bucket_of_row(packed, samples, np.int64(row)) == rows[row]


def test_select_in_a_word() -> None:
    rng = np.random.default_rng(4)
    for x in rng.integers(1, 2**63, 200, dtype=np.int64).astype(np.uint64):
        ones = [b for b in range(64) if int(x) >> b & 1]
        for k in (0, len(ones) // 2, len(ones) - 1):
            assert kernels.select64(x, np.int64(k)) == ones[k]


def test_many_identical_hashes_still_match(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment_module, "NS_SCAN", float("inf"))
    rng = np.random.default_rng(5)
    hashes = rng.integers(0, 256, (70_100, 32), dtype=np.uint8)
    hashes[:70_000] = hashes[0]  # one picture registered 70,000 times
    index = MultiIndexHashing.from_hashes(np.arange(70_100), hashes)
    found = index.search(hashes[[0, 70_050]], 31)
    assert found.for_query(1) == [(70_050, 0)]
    assert len(found.for_query(0)) == 70_000


@pytest.mark.parametrize("profile", ["fast", "compact"])
def test_profiles_match_brute_force(profile: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment_module, "NS_SCAN", float("inf"))
    rng = np.random.default_rng(17)
    base = rng.integers(0, 256, (400, 32), dtype=np.uint8)
    near = base[rng.integers(0, 400, 6000)].copy()
    flips = rng.integers(0, 256, (6000, 40))
    for row, cols in enumerate(flips[:, : rng.integers(0, 40)]):
        np.bitwise_xor.at(near[row], cols // 8, (1 << (cols % 8)).astype(np.uint8))
    ids = np.unique(rng.integers(0, 1 << 33, 6200))[:6000]  # ids above 32 bits pack too
    ids = rng.permutation(ids)
    index = MultiIndexHashing.from_hashes(ids, near, profile=profile)  # type: ignore[arg-type]
    oracle = LinearIndex()
    oracle.add(ids, near)
    for radius in (0, 15, 31, 32):
        got, want = index.search(base, radius), oracle.search(base, radius)
        assert np.array_equal(got.query, want.query)
        assert np.array_equal(got.ids, want.ids)
        assert np.array_equal(got.distances, want.distances)


def test_the_largest_ids_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    ids = np.array([0, 2**57, 2**63 - 1, *range(5, 2000)], dtype=np.int64)
    hashes = rng.integers(0, 256, (ids.shape[0], 32), dtype=np.uint8)
    index = MultiIndexHashing.from_hashes(ids, hashes)
    index.save(tmp_path / "big.mih")
    loaded = MultiIndexHashing.load(tmp_path / "big.mih")
    assert loaded.search_one(hashes[2], 0) == [(2**63 - 1, 0)]
    assert index.search_one(hashes[1], 0) == [(2**57, 0)]


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="profile"):
        MultiIndexHashing("smallest")  # type: ignore[arg-type]


def test_plans_fit_64_bytes_at_ten_million() -> None:
    """The arithmetic of the layout (the benchmark measures the real arrays)."""
    n = 10_000_000
    for profile, limit in (("compact", 60), ("fast", 63)):
        layout = plan_tables(n, profile)  # type: ignore[arg-type]
        specs = layout.specs
        assert sum(s.width for s in specs) <= 256
        bitmaps = sum((n + 2**s.key_bits) / 8 + 2**s.key_bits / 64 * 4 for s in specs) / n
        hashes = 28 + specs[0].ext_bits / 8
        per_entry = hashes + 24 / 8 + (len(specs) - 1) * layout.entry_bits / 8 + bitmaps
        assert per_entry <= limit, (profile, per_entry)


def test_memory_mapped_index_searches_the_same(tmp_path: Path) -> None:
    rng = np.random.default_rng(23)
    hashes = rng.integers(0, 256, (5000, 32), dtype=np.uint8)
    index = MultiIndexHashing.from_hashes(np.arange(5000) * 3, hashes, profile="compact")
    path = tmp_path / "bank.mih"
    index.save(path)
    mapped = MultiIndexHashing.load(path, mmap=True)
    assert mapped.profile == "compact"
    queries = hashes[:50] ^ np.uint8(1)
    assert np.array_equal(mapped.search(queries, 31).ids, index.search(queries, 31).ids)
    assert not mapped._segments[0].hi.flags.writeable
