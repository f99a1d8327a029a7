"""Query-side normalisation: find the picture inside borders, letterboxing and padding.

A re-uploader who adds a uniform border or letterbox bars moves the PDQ hash by 100+ bits,
because PDQ sees the bars as part of the picture. Trimming rows and columns that are flat
(low spread) and of the edge's colour recovers the picture, whose hash is then matched too.
Nothing here is stored: it only adds query variants at scan time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from haechi.hashing.decode import Pixels

# A line is border when its luma spread and its distance from the edge colour are this small.
_FLAT_STD = 6.0
_EDGE_DELTA = 12.0
# Keep only a region this large. Any flat line is trimmed, on both sides of the match, so
# that a registered picture with thin dark margins and its letterboxed copy agree.
_MIN_KEEP = 0.25


def _luma(rgb: Pixels) -> npt.NDArray[np.float32]:
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return rgb.astype(np.float32) @ weights


def _flat_run(lines: npt.NDArray[np.float32]) -> int:
    """How many leading lines (rows of ``lines``) are flat and of the first line's level."""
    edge = float(np.median(lines[0]))
    flat = (lines.std(axis=1) <= _FLAT_STD) & (np.abs(lines.mean(axis=1) - edge) <= _EDGE_DELTA)
    if not flat[0]:
        return 0
    stops = np.flatnonzero(~flat)
    return int(stops[0]) if stops.size else int(flat.size)


def content_box(rgb: Pixels) -> tuple[int, int, int, int] | None:
    """``(top, bottom, left, right)`` of the picture inside uniform borders, or ``None``."""
    y = _luma(rgb)
    h, w = y.shape
    top = _flat_run(y)
    bottom = h - _flat_run(y[::-1])
    left = _flat_run(y.T)
    right = w - _flat_run(y.T[::-1])
    if bottom - top < h * _MIN_KEEP or right - left < w * _MIN_KEEP:
        return None
    if (top, bottom, left, right) == (0, h, 0, w):
        return None
    return top, bottom, left, right


def unbordered(rgb: Pixels) -> Pixels | None:
    """The picture without its uniform borders, or ``None`` when there are none to remove."""
    box = content_box(rgb)
    if box is None:
        return None
    top, bottom, left, right = box
    return np.ascontiguousarray(rgb[top:bottom, left:right])
