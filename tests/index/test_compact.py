"""The compact storage of the index: packed integers, two-level offsets, the compact profile.

Every layout must give exactly the brute-force answer; these tests pin the pieces that make the
index smaller (bit packing, 16-bit offsets with their 32-bit fallback) and the profiles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from haechi.index import LinearIndex, MultiIndexHashing, bits
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


def test_binary_search_over_packed_ids() -> None:
    ids = np.array([3, 9, 10, 500, 70000], dtype=np.uint64)
    buf = bits.pack(ids, 17)
    want = [0, 3, 4, 9, 10, 11, 70000, 70001]
    assert bits.search_sorted(buf, 17, 5, want).tolist() == np.searchsorted(ids, want).tolist()


def test_offsets_fall_back_to_32_bits_for_huge_buckets() -> None:
    counts = np.zeros((2, 1024), dtype=np.int64)
    counts[0, 5] = 70_000  # one bucket of identical keys overflows 16 bits
    counts[1, ::3] = 2
    offsets = bits.Offsets.from_counts(counts)
    assert offsets.rel.dtype == np.uint32
    for j in range(2):
        full = np.concatenate([[0], np.cumsum(counts[j])])
        assert np.array_equal(offsets.full(j), full)
    narrow = bits.Offsets.from_counts(counts[1:])
    assert narrow.rel.dtype == np.uint16
    assert np.array_equal(narrow.full(0), np.concatenate([[0], np.cumsum(counts[1])]))


def test_many_identical_hashes_still_match(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment_module, "NS_SCAN", float("inf"))
    rng = np.random.default_rng(5)
    hashes = rng.integers(0, 256, (70_100, 32), dtype=np.uint8)
    hashes[:70_000] = hashes[0]  # one picture registered 70,000 times
    index = MultiIndexHashing.from_hashes(np.arange(70_100), hashes)
    assert index._segments[0].offsets.rel.dtype == np.uint32
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


def test_compact_plan_fits_64_bytes_at_ten_million() -> None:
    """The arithmetic of the layout (the benchmark measures the real arrays)."""
    n = 10_000_000
    for profile, limit in (("compact", 64), ("fast", 90)):
        layout = plan_tables(n, profile)  # type: ignore[arg-type]
        m, key_bits = len(layout.specs), layout.specs[0].key_bits
        offsets = m * (2**key_bits * 2 * 257 / 256 + 2**key_bits / 256 * 4)
        per_entry = 32 + 24 / 8 + m * layout.entry_bits / 8 + offsets / n
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
    assert not mapped._segments[0].words.flags.writeable
