"""Conformance with Meta's reference PDQ tool, on the images and hashes of its own repository.

A bank is only useful to partners if its hashes are the ones every other PDQ implementation
computes for the same file: these tests pin haechi to ``pdq-photo-hasher``'s output bit for
bit, in the fast decode path and in exact mode. The data and its provenance are in
``tests/data/pdq/`` (see PROVENANCE.md there).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PIL import Image

from haechi.hashing import DecodeLimits, HashOptions, Outcome, PdqHash, hash_file

DATA = Path(__file__).resolve().parent.parent / "data" / "pdq"
IMAGES = DATA / "images"
MODES = IMAGES / "misc-images" / "modes"
DIH = IMAGES / "reg-test-input" / "dih"


def _expected() -> list[tuple[str, str, int]]:
    with (DATA / "expected-cpp-cli.csv").open(newline="") as f:
        return [(r["path"], r["pdq_hex"], int(r["quality"])) for r in csv.DictReader(f)]


EXPECTED = _expected()
FAST = HashOptions()
EXACT = HashOptions(limits=DecodeLimits(exact=True))

# The dihedral files are numbered in the order pdqhash returns its variants.
DIH_FILES = [
    "bridge-1-original.jpg",
    "bridge-2-rotate-90.jpg",
    "bridge-3-rotate-180.jpg",
    "bridge-4-rotate-270.jpg",
    "bridge-5-flipx.jpg",
    "bridge-6-flipy.jpg",
    "bridge-7-flip-plus-1.jpg",
    "bridge-8-flip-minus-1.jpg",
]

# Measured: 0, 14, 18, 8, 8, 14, 0, 18 bits. Variants come from sign flips of one DCT, but the
# nearest-neighbour 512 px sampling and PDQ's box filter are not mirror-symmetric, so a
# mirrored file hashes a little differently from the mirrored variant (the transpose, which
# treats rows and columns alike, is exact).
DIHEDRAL_MAX_BITS = 20


def test_expected_csv_is_complete() -> None:
    assert len(EXPECTED) == 22
    missing = [p for p, _, _ in EXPECTED if not (IMAGES / p).is_file()]
    assert not missing, f"data files missing from tests/data/pdq/images: {missing}"


@pytest.mark.parametrize("options", [FAST, EXACT], ids=["fast", "exact"])
@pytest.mark.parametrize(("path", "pdq_hex", "quality"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_hash_matches_reference_tool(
    path: str, pdq_hex: str, quality: int, options: HashOptions
) -> None:
    result = hash_file(IMAGES / path, options)
    assert result.outcome is Outcome.OK, result.error
    assert result.pdq is not None
    expected = PdqHash.from_hex(pdq_hex, quality)
    assert (result.pdq.hex, result.pdq.quality) == (pdq_hex, quality), (
        f"{result.pdq.distance(expected)} bits from the reference"
    )


MODE_FILES = ["1.png", "L.png", "LA.png", "P.png", "RGBA.png", "CMYK.jpg", "YCbCr.jpg", "RGB.jpg"]


def test_every_mode_file_is_present() -> None:
    names = {p.name for p in MODES.iterdir()}
    assert names == {*MODE_FILES, "original.jpg"}


@pytest.mark.parametrize("options", [FAST, EXACT], ids=["fast", "exact"])
@pytest.mark.parametrize("name", MODE_FILES)
def test_every_pil_mode_hashes_like_the_original(name: str, options: HashOptions) -> None:
    with Image.open(MODES / name) as im:
        # A JPEG holds YCbCr internally; Pillow hands it over as RGB.
        assert im.mode == ("RGB" if name == "YCbCr.jpg" else name.split(".")[0])
    original = hash_file(MODES / "original.jpg", options).pdq
    result = hash_file(MODES / name, options)
    assert result.outcome is Outcome.OK, result.error
    assert original is not None and result.pdq is not None
    assert result.pdq.reliable()
    assert result.pdq.distance(original) <= 8


def test_dihedral_variants_match_the_rotated_and_flipped_files() -> None:
    original = hash_file(DIH / DIH_FILES[0], HashOptions(dihedral=True))
    assert len(original.dihedral) == 8
    files = [hash_file(DIH / name).pdq for name in DIH_FILES]
    for k, variant in enumerate(original.dihedral):
        distances = [variant.distance(f) for f in files if f is not None]
        assert distances[k] <= DIHEDRAL_MAX_BITS, (DIH_FILES[k], distances)
        others = distances[:k] + distances[k + 1 :]
        assert min(others) >= 64, (DIH_FILES[k], distances)


def test_first_dihedral_variant_is_the_plain_hash() -> None:
    plain = hash_file(DIH / DIH_FILES[0])
    dihedral = hash_file(DIH / DIH_FILES[0], HashOptions(dihedral=True))
    assert dihedral.pdq == plain.pdq == dihedral.dihedral[0]
