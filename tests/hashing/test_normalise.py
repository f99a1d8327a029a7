from __future__ import annotations

import numpy as np
from PIL import Image

from haechi.hashing.media import HashOptions, hash_bytes
from haechi.hashing.normalise import content_box, unbordered
from haechi.testkit.photos import registered_photos
from haechi.testkit.robustness import lossless_bytes
from haechi.testkit.transforms import TRANSFORMS


def _rgb(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


def test_no_border_means_no_variant() -> None:
    photo = next(iter(registered_photos().values()))
    assert content_box(_rgb(photo)) is None
    assert hash_bytes(lossless_bytes(photo), HashOptions(dihedral=True)).content == ()


def test_white_padding_is_trimmed_to_the_picture() -> None:
    photo = next(iter(registered_photos().values())).convert("RGB").resize((200, 100))
    canvas = Image.new("RGB", (260, 180), (250, 250, 250))
    canvas.paste(photo, (20, 50))
    box = content_box(_rgb(canvas))
    assert box is not None
    top, bottom, left, right = box
    assert abs(top - 50) <= 2 and abs(bottom - 150) <= 2
    assert abs(left - 20) <= 2 and abs(right - 220) <= 2


def test_flat_image_is_not_trimmed_away() -> None:
    assert unbordered(np.full((100, 100, 3), 7, dtype=np.uint8)) is None


def test_borders_and_letterbox_match_through_content_variant() -> None:
    for name, photo in registered_photos().items():
        registered = hash_bytes(lossless_bytes(photo))
        assert registered.pdq is not None
        stored = [registered.pdq, *registered.content]
        for transform in ("border", "letterbox-16x9"):
            copy = hash_bytes(
                lossless_bytes(TRANSFORMS[transform](photo)), HashOptions(dihedral=True)
            )
            assert copy.content, f"{name} {transform}: no content variant"
            best = min(v.distance(s) for v in copy.content for s in stored)
            assert best <= 31, f"{name} {transform}: {best} bits"
