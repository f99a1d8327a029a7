"""MultiIndexHashing must agree with the brute-force LinearIndex on every query, always.

Exactness is the whole contract, so the tests aim at its edges: queries at exactly r-1, r and
r+1 bits from stored hashes, radii where the pigeonhole split changes (0, 8, 31, 32, 47, 64),
banks of near-identical hashes, updates interleaved with searches, and files that were damaged.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haechi.errors import IndexError_
from haechi.index import LinearIndex, MultiIndexHashing, RangeResult, persist
from haechi.index import mih as mih_module
from haechi.index import segment as segment_module

U8 = npt.NDArray[np.uint8]
RADII = [0, 8, 31, 32, 47, 64]


def make_hashes(rng: np.random.Generator, n: int) -> U8:
    return rng.integers(0, 256, (n, 32), dtype=np.uint8)


def flipped(rng: np.random.Generator, hashes: U8, bits: int) -> U8:
    """Copies of ``hashes`` with exactly ``bits`` distinct bits flipped in each."""
    unpacked = np.unpackbits(hashes, axis=1)
    for row in unpacked:
        row[rng.choice(256, bits, replace=False)] ^= 1
    return np.packbits(unpacked, axis=1)


def boundary_queries(rng: np.random.Generator, stored: U8, radius: int, per: int = 8) -> U8:
    """Stored hashes moved to exactly radius-1, radius and radius+1 bits, plus random ones."""
    parts = [make_hashes(rng, per)]
    if stored.shape[0]:
        for bits in {max(radius - 1, 0), radius, min(radius + 1, 256)}:
            parts.append(flipped(rng, stored[rng.integers(0, stored.shape[0], per)], bits))
    return np.concatenate(parts)


def clustered(rng: np.random.Generator, n: int) -> U8:
    """Groups of near-duplicates (0-30 bits apart) plus exact copies, as banks really hold."""
    bases = make_hashes(rng, max(1, n // 8))
    picks = bases[rng.integers(0, bases.shape[0], n)]
    out = np.concatenate([flipped(rng, picks[: n // 2], int(rng.integers(0, 31))), picks[n // 2 :]])
    return out[rng.permutation(n)]


def assert_same(got: RangeResult, want: RangeResult) -> None:
    assert len(got) == len(want), f"{len(got)} matches, brute force finds {len(want)}"
    np.testing.assert_array_equal(got.query, want.query)
    np.testing.assert_array_equal(got.ids, want.ids)
    np.testing.assert_array_equal(got.distances, want.distances)


def both(ids: npt.ArrayLike, hashes: U8) -> tuple[MultiIndexHashing, LinearIndex]:
    oracle = LinearIndex()
    oracle.add(np.asarray(ids, dtype=np.int64), hashes)
    return MultiIndexHashing.from_hashes(np.asarray(ids, dtype=np.int64), hashes), oracle


@pytest.fixture
def force_probing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the cost model always choose the tables, so probing is what gets tested."""
    monkeypatch.setattr(segment_module, "NS_SCAN", float("inf"))


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny buffer and table threshold, so a few hundred hashes go through every update path."""
    monkeypatch.setattr(mih_module, "BUFFER_CAP", 40)
    monkeypatch.setattr(segment_module, "MIN_TABLE_ENTRIES", 16)


@pytest.mark.parametrize("radius", RADII)
@pytest.mark.parametrize("n", [0, 1, 700, 5000, 20000])
def test_matches_brute_force_at_the_boundary(n: int, radius: int, force_probing: None) -> None:
    rng = np.random.default_rng([n, radius])
    hashes = make_hashes(rng, n)
    index, oracle = both(rng.permutation(3 * n + 1)[:n], hashes)
    queries = boundary_queries(rng, hashes, radius)
    assert_same(index.search(queries, radius), oracle.search(queries, radius))


@pytest.mark.parametrize("radius", RADII)
def test_cost_model_path_matches_brute_force(radius: int) -> None:
    rng = np.random.default_rng(radius)
    hashes = make_hashes(rng, 6000)
    index, oracle = both(np.arange(6000), hashes)
    queries = boundary_queries(rng, hashes, radius)
    assert_same(index.search(queries, radius), oracle.search(queries, radius))


def test_probing_is_chosen_for_a_large_bank_at_pdq_threshold() -> None:
    hashes = make_hashes(np.random.default_rng(1), 50_000)
    index = MultiIndexHashing.from_hashes(np.arange(50_000), hashes)
    assert index._segments[0]._probe_plan(31) is not None


@pytest.mark.parametrize("radius", [0, 8, 31, 47])
def test_near_duplicate_banks(radius: int, force_probing: None) -> None:
    rng = np.random.default_rng(100 + radius)
    hashes = clustered(rng, 6000)
    index, oracle = both(np.arange(6000) * 7, hashes)
    queries = boundary_queries(rng, hashes, radius)
    assert_same(index.search(queries, radius), oracle.search(queries, radius))


@pytest.mark.parametrize("probing", [True, False])
def test_complement_is_at_distance_256(probing: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if probing:
        monkeypatch.setattr(segment_module, "NS_SCAN", float("inf"))
    rng = np.random.default_rng(7)
    hashes = make_hashes(rng, 2000)
    index = MultiIndexHashing.from_hashes(np.arange(2000), hashes)
    query = ~hashes[5]
    assert (5, 256) not in index.search_one(query, 255)
    assert (5, 256) in index.search_one(query, 256)
    assert len(index.search(query, 300)) == 2000


def test_updates_interleaved_with_searches(small_segments: None, force_probing: None) -> None:
    rng = np.random.default_rng(3)
    index, oracle = MultiIndexHashing(), LinearIndex()
    pool = clustered(rng, 3000)
    for step in range(60):
        k = int(rng.integers(1, 90))
        ids = rng.integers(0, 600, k)
        action = rng.random()
        if action < 0.6:  # add, often replacing ids that are present
            new = pool[rng.integers(0, pool.shape[0], k)]
            index.add(ids, new)
            # the oracle takes the last hash of a repeated id, as the contract says
            _, last = np.unique(ids[::-1], return_index=True)
            keep = np.sort(k - 1 - last)
            oracle.add(ids[keep], new[keep])
        else:
            index.remove(ids)
            oracle.remove(ids)
        assert len(index) == len(oracle), f"step {step}"
        radius = RADII[step % len(RADII)]
        queries = boundary_queries(rng, pool[:500], radius, per=4)
        assert_same(index.search(queries, radius), oracle.search(queries, radius))
    assert index.segment_count >= 1


def test_segments_stay_few(small_segments: None) -> None:
    rng = np.random.default_rng(4)
    index = MultiIndexHashing()
    for start in range(0, 4000, 25):
        index.add(np.arange(start, start + 25), make_hashes(rng, 25))
    # each segment is more than twice the next, so their number is logarithmic
    assert index.segment_count <= 8
    assert len(index) == 4000


def test_replace_moves_the_hash() -> None:
    rng = np.random.default_rng(5)
    a, b = make_hashes(rng, 2)
    index = MultiIndexHashing.from_hashes(np.array([10]), a[None])
    index.add(np.array([10]), b[None])
    assert len(index) == 1
    assert index.search_one(a, 0) == []
    assert index.search_one(b, 0) == [(10, 0)]


def test_last_hash_wins_within_one_add() -> None:
    rng = np.random.default_rng(6)
    h = make_hashes(rng, 3)
    index = MultiIndexHashing.from_hashes(np.array([1, 1, 2]), h)
    assert len(index) == 2
    assert index.search_one(h[1], 0) == [(1, 0)]
    assert index.search_one(h[0], 0) == []


def test_remove_of_absent_ids_is_a_no_op() -> None:
    rng = np.random.default_rng(8)
    index = MultiIndexHashing.from_hashes(np.arange(5000), make_hashes(rng, 5000))
    index.remove(np.array([10_000, 20_000]))
    assert len(index) == 5000


def test_bad_arguments_are_refused() -> None:
    index = MultiIndexHashing()
    with pytest.raises(ValueError, match="non-negative"):
        index.add(np.array([-1]), np.zeros((1, 32), np.uint8))
    with pytest.raises(ValueError, match="differ in length"):
        index.add(np.array([1, 2]), np.zeros((1, 32), np.uint8))
    with pytest.raises(ValueError, match="radius"):
        index.search(np.zeros((1, 32), np.uint8), -1)


def test_memory_per_entry_is_bounded() -> None:
    rng = np.random.default_rng(9)
    index = MultiIndexHashing.from_hashes(np.arange(100_000), make_hashes(rng, 100_000))
    # 32 hash + 3 id bytes, about 2.5 per table and offsets; see the module docstring
    assert index.nbytes / 100_000 < 90


@pytest.mark.parametrize("n", [0, 500, 5000])
def test_save_load_round_trip(tmp_path: Path, n: int) -> None:
    rng = np.random.default_rng(n)
    hashes = clustered(rng, n) if n else make_hashes(rng, 0)
    ids = rng.permutation(10 * n + 1)[:n]
    index, oracle = both(ids, hashes)
    if n:
        index.remove(ids[:10])
        oracle.remove(ids[:10])
        fresh = make_hashes(rng, 1)  # goes to the buffer, which save must include
        index.add(np.array([10**12]), fresh)
        oracle.add(np.array([10**12]), fresh)
    path = tmp_path / "bank.mih"
    index.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["bank.mih"], "temporary file left behind"
    loaded = MultiIndexHashing.load(path)
    assert len(loaded) == len(oracle)
    queries = boundary_queries(rng, hashes, 31)
    assert_same(loaded.search(queries, 31), oracle.search(queries, 31))
    # a loaded index takes updates like a built one
    if n:
        loaded.remove(ids[10:20])
        oracle.remove(ids[10:20])
        assert_same(loaded.search(queries, 31), oracle.search(queries, 31))


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    rng = np.random.default_rng(11)
    path = tmp_path / "bank.mih"
    MultiIndexHashing.from_hashes(np.arange(3000), make_hashes(rng, 3000)).save(path)
    return path


def damage(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_damaged_array_is_detected(saved: Path) -> None:
    damage(saved, saved.stat().st_size - 100)
    with pytest.raises(IndexError_, match="checksum mismatch"):
        MultiIndexHashing.load(saved)


def test_damaged_header_is_detected(saved: Path) -> None:
    damage(saved, 12)
    with pytest.raises(IndexError_, match="header checksum"):
        MultiIndexHashing.load(saved)


def test_truncated_file_is_detected(saved: Path) -> None:
    saved.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(IndexError_, match="damaged"):
        MultiIndexHashing.load(saved)


def test_other_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not-an-index"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(IndexError_, match="magic"):
        MultiIndexHashing.load(path)


def test_future_version_is_refused(saved: Path) -> None:
    data = bytearray(saved.read_bytes())
    data[8:10] = (persist.FORMAT_VERSION + 1).to_bytes(2, "little")
    saved.write_bytes(bytes(data))
    with pytest.raises(IndexError_, match="format version"):
        MultiIndexHashing.load(saved)


@pytest.mark.parametrize("old", [1, 2])
def test_former_layouts_are_refused_not_misread(saved: Path, old: int) -> None:
    """Files of versions 1 and 2 hold rows in id order and offset tables: never read as 3."""
    data = bytearray(saved.read_bytes())
    data[8:10] = old.to_bytes(2, "little")
    saved.write_bytes(bytes(data))
    with pytest.raises(IndexError_, match=f"format version {old}.*rebuild"):
        MultiIndexHashing.load(saved, mmap=True)


def test_missing_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(IndexError_, match="no matching index"):
        MultiIndexHashing.load(tmp_path / "absent.mih")


def test_overlapping_regions_are_refused(saved: Path) -> None:
    """A file whose checksums are right but whose regions overlap would break exactness."""
    f = persist.read_index(saved)
    specs = f.layout.specs
    bad = persist.TableSpec(specs[0].bit_offset + 1, specs[0].key_bits, specs[0].ext_bits)
    layout = replace(f.layout, specs=(specs[0], bad, *specs[2:]))
    persist.write_index(saved, replace(f, layout=layout))
    with pytest.raises(IndexError_, match="overlap"):
        MultiIndexHashing.load(saved)


@st.composite
def banks(draw: st.DrawFn) -> tuple[U8, list[int], int]:
    """A few base hashes and many small mutations of them, so that radii are actually hit."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(0, 300))
    rng = np.random.default_rng(seed)
    bases = make_hashes(rng, 4)
    hashes = bases[rng.integers(0, 4, n)]
    for i in range(n):
        hashes[i] = flipped(rng, hashes[i : i + 1], int(rng.integers(0, 40)))[0]
    ids = draw(st.lists(st.integers(0, 2**40), min_size=n, max_size=n, unique=True))
    radius = draw(st.integers(0, 70))
    return hashes, ids, radius


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bank=banks())
def test_property_same_as_brute_force(
    bank: tuple[U8, list[int], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mih_module, "BUFFER_CAP", 16)
    monkeypatch.setattr(segment_module, "MIN_TABLE_ENTRIES", 8)
    monkeypatch.setattr(segment_module, "NS_SCAN", float("inf"))
    hashes, ids, radius = bank
    index, oracle = both(ids, hashes)
    rng = np.random.default_rng(len(ids))
    queries = boundary_queries(rng, hashes, radius, per=3)
    assert_same(index.search(queries, radius), oracle.search(queries, radius))
    if ids:
        gone = ids[: len(ids) // 3]
        index.remove(np.array(gone))
        oracle.remove(np.array(gone))
        assert_same(index.search(queries, radius), oracle.search(queries, radius))
