"""Query-side normalisation, crops kept by banks, and the local-features record.

The chrome finder must give back the picture of a captioned or screenshotted copy closely
enough for PDQ; crops must be the fixed layout banks and verification agree on; the record
must round-trip exactly and refuse anything damaged with a message, never a crash.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest
from PIL import Image

from haechi.hashing import HashOptions, Signal, SignalKind, hash_bytes
from haechi.hashing.chrome import picture_box, unchromed
from haechi.hashing.crops import CROP_LAYOUT, FULL_FRAME, crop_hashes
from haechi.hashing.local import MAGIC, REGISTER_KEYPOINTS, LocalFeatures
from haechi.testkit import TRANSFORMS, lossless_bytes, sample_image

# Photos without large flat areas of their own: their chrome-free box is the whole photo.
BUSY = ("astronaut", "chelsea", "coffee", "motorcycle_left")


def _rgb(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


@pytest.mark.parametrize("name", BUSY)
@pytest.mark.parametrize("transform", ["caption-top", "caption-bottom", "screenshot"])
def test_chrome_is_cut_down_to_the_picture(name: str, transform: str) -> None:
    photo = sample_image(name)
    whole = hash_bytes(lossless_bytes(photo), HashOptions(local=False))
    copy = hash_bytes(lossless_bytes(TRANSFORMS[transform](photo)), HashOptions(local=False))
    assert whole.pdq is not None and copy.pdq is not None
    assert copy.pdq.distance(whole.pdq) > 31  # PDQ alone misses it
    assert len(copy.regions) == 1
    assert copy.regions[0].distance(whole.pdq) <= 31


def test_caption_box_is_the_photo() -> None:
    photo = sample_image("coffee").resize((300, 200))
    captioned = TRANSFORMS["caption-top"](photo)
    box = picture_box(_rgb(captioned))
    assert box is not None
    left, top, right, bottom = box
    band = captioned.height - photo.height
    assert (left, right) == (0, 300)
    assert abs(top - band) <= 2 and abs(bottom - captioned.height) <= 2


@pytest.mark.parametrize("name", BUSY)
def test_plain_photos_have_no_chrome(name: str) -> None:
    assert picture_box(_rgb(sample_image(name))) is None


def test_flat_and_tiny_images_have_no_chrome() -> None:
    assert unchromed(np.full((120, 90, 3), 200, np.uint8)) is None
    assert unchromed(np.zeros((1, 1, 3), np.uint8)) is None


def test_crop_layout_is_inside_the_frame_and_distinct() -> None:
    assert len(set(CROP_LAYOUT)) == len(CROP_LAYOUT) == 16
    for left, top, right, bottom in CROP_LAYOUT:
        assert 0 <= left < right <= 1 and 0 <= top < bottom <= 1
        assert (right - left) * (bottom - top) >= 0.3


def test_crop_hashes_follow_the_layout() -> None:
    pixels = _rgb(sample_image("astronaut"))
    hashes = crop_hashes(pixels)
    assert [h.box for h in hashes] == list(CROP_LAYOUT)
    assert len({h.pdq.hex for h in hashes}) == len(hashes)


def _registered(name: str = "chelsea") -> LocalFeatures:
    media = hash_bytes(lossless_bytes(sample_image(name)), HashOptions(register=True))
    assert media.features is not None and media.view is None
    return media.features


def test_bank_hashing_keeps_crops_and_a_record_not_pixels() -> None:
    media = hash_bytes(lossless_bytes(sample_image("chelsea")), HashOptions(register=True))
    features = media.features
    assert features is not None
    assert len(features) == REGISTER_KEYPOINTS
    assert features.regions[0].box == FULL_FRAME and features.regions[0].pdq == media.pdq
    kinds = [s.kind for s in media.signals()]
    assert kinds[0] is SignalKind.PDQ
    assert kinds.count(SignalKind.PDQ_CROP) == len(CROP_LAYOUT)
    assert kinds.count(SignalKind.ORB) == 1
    assert media.view is None and media.regions == ()


def test_query_hashing_keeps_the_view_in_memory_only() -> None:
    media = hash_bytes(lossless_bytes(sample_image("chelsea")), HashOptions(dihedral=True))
    assert media.view is not None and media.view.shape == (300, 451)
    assert media.features is not None and media.features.regions == ()
    assert media.crops == ()
    assert {s.kind for s in media.signals()} == {SignalKind.PDQ, SignalKind.MD5, SignalKind.SHA256}


def test_working_view_keeps_the_aspect_ratio_of_large_images() -> None:
    big = sample_image("motorcycle_left").resize((1482, 1000))
    media = hash_bytes(lossless_bytes(big))
    assert media.view is not None and media.view.shape == (345, 512)


def test_record_round_trips_exactly() -> None:
    features = _registered()
    again = LocalFeatures.from_bytes(features.to_bytes())
    assert (again.width, again.height) == (features.width, features.height)
    assert again.regions == features.regions
    assert np.array_equal(again.descriptors, features.descriptors)
    assert np.abs(again.points - features.points).max() <= 0.125  # quarter pixels
    assert again.to_bytes() == features.to_bytes()


def test_record_travels_as_a_signal() -> None:
    record = _registered().to_bytes()
    signal = Signal.of_record(record)
    assert signal.kind is SignalKind.ORB and signal.record() == record
    spaced = " ".join(signal.value[i : i + 76] for i in range(0, len(signal.value), 76))
    assert Signal.parse("ORB", spaced) == signal
    with pytest.raises(ValueError, match="has no record"):
        Signal.parse("pdq-crop", "ab" * 32).record()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda r: r[:5], "too short"),
        (lambda r: b"XXXX" + r[4:], "not a haechi local-features record"),
        (lambda r: r[:-1], "bytes, not"),
        (lambda r: r + b"\0", "bytes, not"),
        (lambda r: r[:4] + b"\0\0" + r[6:], "cannot be"),
    ],
)
def test_damaged_records_are_refused(damage: object, message: str) -> None:
    record = _registered().to_bytes()
    assert record.startswith(MAGIC)
    broken = damage(record)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        LocalFeatures.from_bytes(broken)
    with pytest.raises(ValueError):
        Signal.parse("orb", base64.b64encode(broken).decode())


def test_a_crop_out_of_the_frame_is_refused() -> None:
    features = _registered()
    record = bytearray(features.to_bytes())
    region_at = len(record) - len(features.regions) * 41
    record[region_at : region_at + 2] = (2000).to_bytes(2, "little")
    with pytest.raises(ValueError, match="out of range"):
        LocalFeatures.from_bytes(bytes(record))


def test_orb_values_must_be_base64() -> None:
    with pytest.raises(ValueError, match="base64"):
        Signal.parse("orb", "not base64!")
