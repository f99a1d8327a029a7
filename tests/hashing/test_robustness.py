"""What PDQ survives on real photos, and that it does not match unrelated images.

These figures are what haechi promises partners: a re-upload that was resized, recompressed,
mirrored, rotated, turned grey, brightened or blurred is found; 500 unrelated images are not.
Crops, borders, letterboxes, captions, stickers, small rotations and screenshots are PDQ's known
weak spots: they are measured and listed here, not asserted away; haechi's second stage finds
them (``tests/scan/test_second_stage.py``, and ``bench/robustness.py`` for the full table).
"""

from __future__ import annotations

import pytest

from haechi.hashing import PdqHash
from haechi.testkit import (
    MATCH_RADIUS,
    TRANSFORMS,
    FalseMatchReport,
    TransformResult,
    measure_false_matches,
    measure_transforms,
    pdq_of_image,
    registered_photos,
    unrelated_images,
)

# Found every time, on every registered photo.
ROBUST = {
    "resize-25",
    "resize-50",
    "resize-200",
    "jpeg-20",
    "jpeg-30",
    "jpeg-50",
    "jpeg-95",
    "flip",
    "rotate-90",
    "rotate-270",
    "grayscale",
    "brighter",
    "darker",
    "contrast-up",
    "contrast-down",
    "blur",
}

# Measured recall of plain PDQ at <= 31 bits on the 8 photos: crop-2 0.875, watermark 0.875
# (the dark rocket photo), crop-2-corner 0.125, sticker about a third, letterbox and border 0
# without the unbordered variant, everything else 0. A later change that does better makes no
# test fail; one that does worse on ROBUST does.
WEAK = {
    "crop-2",
    "crop-5",
    "crop-10",
    "crop-2-corner",
    "crop-5-corner",
    "crop-10-corner",
    "crop-25",
    "crop-25-corner",
    "letterbox-16x9",
    "border",
    "watermark",
    "screenshot",
    "caption-top",
    "caption-bottom",
    "sticker",
    "rotate-5",
    "rotate-minus-5",
    # Retina lands 32 bits away: a half turn flips both axes of the off-centre 512 px sampling.
    "rotate-180",
}


@pytest.fixture(scope="module")
def registered() -> dict[str, PdqHash]:
    return {name: pdq_of_image(image) for name, image in registered_photos().items()}


@pytest.fixture(scope="module")
def results(registered: dict[str, PdqHash]) -> dict[str, TransformResult]:
    measured = measure_transforms(registered_photos(), TRANSFORMS, registered)
    return {r.name: r for r in measured}


@pytest.fixture(scope="module")
def false_matches(registered: dict[str, PdqHash]) -> FalseMatchReport:
    return measure_false_matches(registered, unrelated_images(500, seed=0))


def test_every_transform_is_classified() -> None:
    assert set(TRANSFORMS) == ROBUST | WEAK
    assert not ROBUST & WEAK


def test_registered_photos_hash_reliably(registered: dict[str, PdqHash]) -> None:
    assert len(registered) >= 8
    assert all(h.reliable() for h in registered.values()), registered


@pytest.mark.parametrize("name", sorted(ROBUST))
def test_robust_transforms_are_always_found(
    name: str, results: dict[str, TransformResult]
) -> None:
    result = results[name]
    assert result.n == 8
    assert result.recall(MATCH_RADIUS) == 1.0, (
        f"{name}: missed {result.missed()} at distances {dict(result.distances)}"
    )


def test_centred_small_crop_mostly_survives(results: dict[str, TransformResult]) -> None:
    # The one crop PDQ tolerates: 1 % off each side. Measured 7 of 8.
    assert results["crop-2"].recall() >= 0.75


def test_weak_spots_are_measured(results: dict[str, TransformResult]) -> None:
    for name in WEAK:
        result = results[name]
        assert result.n == 8
        assert 0 <= result.mean_distance <= 256


def test_no_unrelated_image_matches(false_matches: FalseMatchReport) -> None:
    assert false_matches.checked == 500
    assert false_matches.matches == ()
    # Measured: the nearest of 500 is 94 bits away; unrelated photos sit near 128.
    assert false_matches.nearest is not None and false_matches.nearest.distance >= 64
