"""The testkit's promises: offline, deterministic, disjoint sides, edits that copy.

Robustness figures are only as good as their inputs: an unrelated image drawn from a
registered photo would turn a false match into a true one, and a transform that changed its
input would corrupt every figure after it.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

from haechi.testkit import (
    CROP_SOURCE_FILES,
    EXCLUDED_FILES,
    REGISTERED_FILES,
    TRANSFORMS,
    NamedImage,
    registered_photos,
    sample_image,
    unrelated_images,
)


def fingerprint(image: Image.Image) -> str:
    return hashlib.sha256(image.mode.encode() + image.tobytes()).hexdigest()


def test_registered_photos_are_distinct_real_photos() -> None:
    photos = registered_photos()
    assert list(photos) == list(REGISTERED_FILES)
    assert len(photos) >= 8
    assert len({fingerprint(im) for im in photos.values()}) == len(photos)
    assert {im.mode for im in photos.values()} == {"RGB", "L"}
    assert all(min(im.size) >= 256 for im in photos.values())


def test_registered_photos_are_fresh_copies() -> None:
    first = registered_photos()["astronaut"]
    first.paste((0, 0, 0), (0, 0, 100, 100))
    assert registered_photos()["astronaut"].getpixel((10, 10)) != (0, 0, 0)


def test_the_two_sides_share_no_source() -> None:
    registered = set(REGISTERED_FILES.values())
    assert not registered & set(CROP_SOURCE_FILES.values())
    assert not set(EXCLUDED_FILES) & (registered | set(CROP_SOURCE_FILES.values()))
    assert "motorcycle_right.png" in EXCLUDED_FILES


def test_sample_image_refuses_unknown_names() -> None:
    with pytest.raises(KeyError, match="no sample image"):
        sample_image("lena")


def test_unrelated_images_are_deterministic_per_seed() -> None:
    a = [(n, fingerprint(im)) for n, im in unrelated_images(30, seed=1)]
    b = [(n, fingerprint(im)) for n, im in unrelated_images(30, seed=1)]
    c = [(n, fingerprint(im)) for n, im in unrelated_images(30, seed=2)]
    assert a == b
    assert a != c


@pytest.fixture(scope="module")
def unrelated() -> list[NamedImage]:
    """A few more than 500, to go past the point where the LFW patches run out."""
    return list(unrelated_images(520))


def test_unrelated_images_mix_every_kind_and_count(unrelated: list[NamedImage]) -> None:
    assert len(unrelated) == 520
    assert len({n for n, _ in unrelated}) == 520
    first = unrelated[:500]
    kinds = {n.split("-")[0] for n, _ in first}
    assert kinds == {"lfw", "crop", "noise", "gradient", "shapes", "text"}
    assert sum(n.startswith("lfw-") for n, _ in first) == 200
    assert not any(n.startswith("lfw-") for n, _ in unrelated[500:])
    assert all(im.mode in ("RGB", "L") and min(im.size) >= 16 for _, im in unrelated)


def test_unrelated_images_are_a_prefix_of_a_longer_run(unrelated: list[NamedImage]) -> None:
    assert [n for n, _ in unrelated_images(40)] == [n for n, _ in unrelated[:40]]


def test_unrelated_crops_come_only_from_crop_sources(unrelated: list[NamedImage]) -> None:
    sources = {n.split("-")[1] for n, _ in unrelated if n.startswith("crop-")}
    assert sources <= set(CROP_SOURCE_FILES)
    assert not sources & set(REGISTERED_FILES)


@pytest.mark.parametrize("name", list(TRANSFORMS))
@pytest.mark.parametrize("photo", ["astronaut", "camera"])
def test_transforms_return_new_images_and_leave_the_input_alone(name: str, photo: str) -> None:
    image = sample_image(photo)
    before = fingerprint(image)
    out = TRANSFORMS[name](image)
    assert fingerprint(image) == before
    assert out is not image
    assert out.mode in ("RGB", "L")
    assert np.asarray(out).size > 0


def test_transforms_do_what_their_names_say() -> None:
    image = sample_image("coffee")  # 600x400
    assert TRANSFORMS["resize-25"](image).size == (150, 100)
    assert TRANSFORMS["resize-200"](image).size == (1200, 800)
    assert TRANSFORMS["crop-10"](image).size == (540, 360)
    assert TRANSFORMS["crop-10-corner"](image).size == (540, 360)
    assert TRANSFORMS["letterbox-16x9"](image).size == (711, 400)
    assert TRANSFORMS["border"](image).size == (660, 460)
    assert TRANSFORMS["rotate-90"](image).size == (400, 600)
    assert TRANSFORMS["grayscale"](image).mode == "L"
    width, height = TRANSFORMS["screenshot"](image).size
    assert height / width == pytest.approx(19.5 / 9)
    flipped = np.asarray(TRANSFORMS["flip"](image))
    assert np.array_equal(flipped, np.asarray(image)[:, ::-1])
