"""Local features: ORB keypoints of a picture, to find it when only part of it is re-uploaded.

PDQ summarises the whole frame, so a crop, a sticker, a caption or a small rotation moves it
far. ORB (OpenCV's oriented FAST corners with rotated BRIEF descriptors) describes hundreds of
small patches, each by 256 binary intensity comparisons; a partial view still shares many of
them, at positions related by one similarity transform (:mod:`haechi.hashing.match`).

What a bank keeps is a :class:`LocalFeatures` record: the size of the working view, each
keypoint's position (quarter-pixel) and descriptor, and the PDQ hashes of the fixed crops of
:mod:`haechi.hashing.crops`. No pixels, thumbnails or colours. The record has an explicit,
versioned binary layout (never pickle); it travels as base64 text in bank files.

Features are taken on a *working view*: the decoded pixels at the picture's own aspect ratio,
at most 512 px on the longer side. Decoding samples large images to 512x512 for PDQ, which
squashes one axis; ORB is not invariant to that, so the view undoes it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from haechi.hashing.crops import Box, RegionHash
from haechi.hashing.decode import PDQ_SIDE, DecodedImage, Pixels
from haechi.hashing.signals import PdqHash
from haechi.index.base import HASH_BYTES

# Hashing runs one process per core (haechi.scan.hashing_pool): OpenCV's own thread pool
# would only make those processes contend.
cv2.setNumThreads(1)

MAGIC = b"HLF1"
"""Record format name and version: haechi local features, version 1."""

REGISTER_KEYPOINTS = 256
"""Keypoints a bank keeps per picture: enough for 25 % crops, few enough to stay small."""

QUERY_KEYPOINTS = 500
"""Keypoints taken from a scanned file: more than a bank keeps, so that a crop still shares
enough of the bank's strongest ones."""

_MIN_VIEW_SIDE = 64
_HEADER = struct.Struct("<4sHHHB")
_REGION = struct.Struct("<HHHH32sB")
_POSITION_SCALE = 4.0  # positions are stored in quarter pixels
_MAX_KEYPOINTS = 4096

Points = npt.NDArray[np.float32]
Descriptors = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class LocalFeatures:
    """ORB keypoints of one working view, and (for a bank) PDQ hashes of its fixed crops."""

    width: int
    height: int
    points: Points = field(repr=False)
    descriptors: Descriptors = field(repr=False)
    regions: tuple[RegionHash, ...] = ()

    def __post_init__(self) -> None:
        n = self.points.shape[0]
        if self.points.shape != (n, 2) or self.descriptors.shape != (n, HASH_BYTES):
            raise ValueError(
                f"{n} keypoints need positions (n, 2) and descriptors (n, {HASH_BYTES}), "
                f"not {self.points.shape} and {self.descriptors.shape}"
            )

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def to_bytes(self) -> bytes:
        """The record: header, positions, descriptors, then the crops' boxes and hashes."""
        quarter = np.clip(np.rint(self.points * _POSITION_SCALE), 0, 65535).astype("<u2")
        parts = [
            _HEADER.pack(MAGIC, self.width, self.height, len(self), len(self.regions)),
            quarter.tobytes(),
            np.ascontiguousarray(self.descriptors, dtype=np.uint8).tobytes(),
        ]
        for region in self.regions:
            per_mille = (round(v * 1000) for v in region.box)
            parts.append(_REGION.pack(*per_mille, region.pdq.bits, region.pdq.quality))
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> LocalFeatures:
        """Parse a record; ``ValueError`` says what is wrong with a damaged or foreign one."""
        if len(data) < _HEADER.size:
            raise ValueError(f"a local-features record of {len(data)} bytes is too short")
        magic, width, height, n, n_regions = _HEADER.unpack_from(data)
        if magic != MAGIC:
            raise ValueError(f"not a haechi local-features record (starts {magic!r})")
        if n > _MAX_KEYPOINTS:
            raise ValueError(f"{n} keypoints is over the cap of {_MAX_KEYPOINTS}")
        expected = _HEADER.size + n * (4 + HASH_BYTES) + n_regions * _REGION.size
        if len(data) != expected:
            raise ValueError(f"a record of {n} keypoints has {expected} bytes, not {len(data)}")
        if width == 0 or height == 0:
            raise ValueError(f"a record's view cannot be {width}x{height}")
        at = _HEADER.size
        quarter = np.frombuffer(data, dtype="<u2", count=2 * n, offset=at).reshape(n, 2)
        at += 4 * n
        descriptors = np.frombuffer(data, dtype=np.uint8, count=HASH_BYTES * n, offset=at)
        at += HASH_BYTES * n
        regions = []
        for _ in range(n_regions):
            x0, y0, x1, y1, bits, quality = _REGION.unpack_from(data, at)
            at += _REGION.size
            box: Box = (x0 / 1000, y0 / 1000, x1 / 1000, y1 / 1000)
            if not (x0 < x1 <= 1000 and y0 < y1 <= 1000) or quality > 100:
                raise ValueError(f"a record's crop {box} (quality {quality}) is out of range")
            regions.append(RegionHash(box, PdqHash(bits, quality)))
        points = (quarter.astype(np.float32) / _POSITION_SCALE).reshape(n, 2)
        return cls(width, height, points, descriptors.reshape(n, HASH_BYTES).copy(), tuple(regions))


def working_view(decoded: DecodedImage) -> Pixels:
    """Grey pixels at the picture's own aspect ratio, at most 512 px on the longer side.

    Decoding gives large pictures as a 512x512 sample; shrinking one axis of it back to the
    file's aspect ratio only ever downsamples, so no detail is invented.
    """
    pixels = decoded.pixels
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    w, h = decoded.width, decoded.height
    if max(w, h) <= PDQ_SIDE and grey.shape[:2] == (h, w):
        return np.ascontiguousarray(grey, np.uint8)
    scale = PDQ_SIDE / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.ascontiguousarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), np.uint8)


def extract(view: Pixels, keypoints: int) -> tuple[Points, Descriptors]:
    """Up to ``keypoints`` ORB keypoints of a grey view: positions and descriptors."""
    h, w = view.shape[:2]
    empty = (np.empty((0, 2), np.float32), np.empty((0, HASH_BYTES), np.uint8))
    if min(h, w) < _MIN_VIEW_SIDE:
        return empty
    # A low FAST threshold and edge margin keep dark, low-contrast and small pictures usable.
    orb = cv2.ORB.create(nfeatures=keypoints, fastThreshold=10, edgeThreshold=15)
    found, descriptors = orb.detectAndCompute(view, None)
    if descriptors is None or not found:
        return empty
    points = np.array([k.pt for k in found], dtype=np.float32).reshape(-1, 2)
    return points, np.ascontiguousarray(descriptors, dtype=np.uint8)


def local_features(
    view: Pixels, keypoints: int, regions: tuple[RegionHash, ...] = ()
) -> LocalFeatures:
    """The local features of a grey working view (and the crop hashes a bank keeps with them)."""
    points, descriptors = extract(view, keypoints)
    h, w = view.shape[:2]
    return LocalFeatures(w, h, points, descriptors, regions)
