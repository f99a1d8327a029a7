"""PDQ hashes of fixed crops of a registered picture, so that a cropped re-upload is found.

A re-upload cropped by 5 % moves the PDQ hash of the whole picture by 50-100 bits, while PDQ
forgives a crop of 1-2 %. Banks therefore also keep the PDQ hash of the picture's centre and of
each corner at several scales: a copy cut down to about one of those rectangles lands within
the PDQ radius of that crop's hash, and is found by the same range index as any PDQ hash.

The same hashes, with their rectangles, verify a match made by local features
(:mod:`haechi.hashing.match`): once the geometry is known, the query is warped onto the
registered frame and each crop it fully covers is hashed and compared.

A crop's hash is as non-invertible as the whole picture's: a PDQ hash of a smaller rectangle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from haechi.hashing.decode import Pixels
from haechi.hashing.pdq import pdq_of_pixels
from haechi.hashing.signals import PdqHash

Box = tuple[float, float, float, float]
"""A rectangle as fractions of the frame: ``(left, top, right, bottom)``, each in 0-1."""

FULL_FRAME: Box = (0.0, 0.0, 1.0, 1.0)

# Side of each crop, as a fraction of the frame's side. Neighbouring scales are 10-15 % apart;
# the 55 % crops are what is left of a picture cut by a quarter on two sides.
_CENTRE_SCALES = (0.9, 0.8, 0.7, 0.55)
_CORNER_SCALES = (0.85, 0.7, 0.55)


def _layout() -> tuple[Box, ...]:
    boxes: list[Box] = []
    for s in _CENTRE_SCALES:
        m = (1.0 - s) / 2
        boxes.append((m, m, 1.0 - m, 1.0 - m))
    for s in _CORNER_SCALES:
        m = 1.0 - s
        boxes += [(0.0, 0.0, s, s), (m, 0.0, 1.0, s), (0.0, m, s, 1.0), (m, m, 1.0, 1.0)]
    # Records keep boxes in thousandths: the layout is exactly what a record reads back.
    return tuple((round(a, 3), round(b, 3), round(c, 3), round(d, 3)) for a, b, c, d in boxes)


CROP_LAYOUT: tuple[Box, ...] = _layout()
"""The crops a bank hashes, in a fixed order; changing it means a new record version."""


@dataclass(frozen=True)
class RegionHash:
    """The PDQ hash of one rectangle of a picture."""

    box: Box
    pdq: PdqHash


def oriented(box: Box, orientation: int) -> Box:
    """``box`` of the stored pixels where it lies once the EXIF ``orientation`` (1-8) is
    applied, as viewers and Pillow's ``exif_transpose`` do (2 mirrors, 3 turns 180 degrees,
    6 turns a quarter clockwise, 8 anticlockwise; 5 and 7 mirror across a diagonal)."""
    left, top, right, bottom = box
    turned = {
        2: (1 - right, top, 1 - left, bottom),
        3: (1 - right, 1 - bottom, 1 - left, 1 - top),
        4: (left, 1 - bottom, right, 1 - top),
        5: (top, left, bottom, right),
        6: (1 - bottom, left, 1 - top, right),
        7: (1 - bottom, 1 - right, 1 - top, 1 - left),
        8: (top, 1 - right, bottom, 1 - left),
    }.get(orientation, box)
    a, b, c, d = (round(v, 3) for v in turned)
    return (a, b, c, d)


def box_pixels(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """A fractional box in whole pixels of a ``width`` x ``height`` frame, never empty."""
    left, top, right, bottom = box
    x0, y0 = round(left * width), round(top * height)
    x1, y1 = max(x0 + 1, round(right * width)), max(y0 + 1, round(bottom * height))
    return x0, y0, x1, y1


def crop(pixels: Pixels, box: Box) -> Pixels:
    """The pixels inside ``box``."""
    h, w = pixels.shape[:2]
    x0, y0, x1, y1 = box_pixels(box, w, h)
    return np.ascontiguousarray(pixels[y0:y1, x0:x1])


def crop_hashes(pixels: Pixels) -> tuple[RegionHash, ...]:
    """The PDQ hash of every crop of :data:`CROP_LAYOUT`."""
    return tuple(RegionHash(box, pdq_of_pixels(crop(pixels, box))) for box in CROP_LAYOUT)
