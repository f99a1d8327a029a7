"""Query-side normalisation: find the picture inside caption bars and screenshot chrome.

:mod:`haechi.hashing.normalise` trims margins that are flat from edge to edge. Re-uploads
often carry margins that are *mostly* flat: a meme caption (a white or black band with text
above or below the picture), or the chrome of a phone screenshot (a status bar with the time
and battery, black bands around the fitted photo, a navigation or app bar with icons). Each
such band is made of lines where most pixels share one background level and a minority are
text or icons.

A line (row or column) is *plain* when at least :data:`_PLAIN_SHARE` of its pixels lie within
a few levels of its most common level; the picture is then the longest run of lines that are
not plain, first over rows and then over columns inside it. The box found is only ever an
extra query variant, hashed beside the whole image, so a wrong guess costs a few hashes and
never a match. Nothing here is stored.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from haechi.hashing.decode import Pixels

# A line is plain when this share of its pixels is within _LEVEL_TOLERANCE of its mode: text
# and icons cover well under half of a caption or status bar line, photographs far more.
_PLAIN_SHARE = 0.6
_LEVEL_TOLERANCE = 6
# The picture must be at least this share of each side, and something must have been cut.
_MIN_SIDE = 0.25
_MIN_CUT = 0.03
# Runs of picture lines separated by this few plain lines are one picture (a dark stripe).
_GAP = 0.02
_STEP = 2

BoxPx = tuple[int, int, int, int]
"""A rectangle in pixels: ``(left, top, right, bottom)``."""


def _luma(rgb: Pixels) -> npt.NDArray[np.int16]:
    wide = rgb.astype(np.int32)
    y = (wide[..., 0] * 77 + wide[..., 1] * 150 + wide[..., 2] * 29 + 128) >> 8
    return y.astype(np.int16)


def _plain_lines(luma: npt.NDArray[np.int16]) -> npt.NDArray[np.bool_]:
    """Which rows of ``luma`` are mostly one level (a band's background) with a little text."""
    levels = np.clip(luma, 0, 255).astype(np.intp)
    rows = levels.shape[0]
    flat = (levels + (np.arange(rows) * 256)[:, None]).ravel()
    counts = np.bincount(flat, minlength=rows * 256).reshape(rows, 256)
    # Pixels within the tolerance of each level: a box sum over the histogram.
    window = np.cumsum(np.pad(counts, ((0, 0), (_LEVEL_TOLERANCE + 1, _LEVEL_TOLERANCE))), axis=1)
    near = window[:, 2 * _LEVEL_TOLERANCE + 1 :] - window[:, : -2 * _LEVEL_TOLERANCE - 1]
    share: npt.NDArray[np.float64] = near.max(axis=1) / levels.shape[1]
    return share >= _PLAIN_SHARE


def _picture_run(plain: npt.NDArray[np.bool_]) -> tuple[int, int]:
    """``(start, stop)`` of the longest run of picture lines, bridging short plain gaps."""
    n = plain.size
    gap = max(1, round(n * _GAP))
    runs: list[list[int]] = []
    for i in np.flatnonzero(~plain).tolist():
        if runs and i - runs[-1][1] <= gap:
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    if not runs:
        return 0, 0
    start, stop = max(runs, key=lambda r: r[1] - r[0])
    return start, stop


def picture_box(rgb: Pixels) -> BoxPx | None:
    """The picture inside caption bars or screenshot chrome, or ``None`` if there is none.

    Lines are judged on every other pixel of every other line: a quarter of the work, and
    the box is still within 2 px, far inside what PDQ forgives.
    """
    box = _picture_box(_luma(rgb[::_STEP, ::_STEP]))
    if box is None:
        return None
    h, w = rgb.shape[:2]
    left, top, right, bottom = box
    return left * _STEP, top * _STEP, min(w, right * _STEP), min(h, bottom * _STEP)


def _picture_box(luma: npt.NDArray[np.int16]) -> BoxPx | None:
    h, w = luma.shape
    top, bottom = _picture_run(_plain_lines(luma))
    if bottom - top < h * _MIN_SIDE:
        return None
    left, right = _picture_run(_plain_lines(luma[top:bottom].T))
    if right - left < w * _MIN_SIDE:
        return None
    # Rows again, inside the columns: a pillarboxed picture's rows are plain only there.
    inner_top, inner_bottom = _picture_run(_plain_lines(luma[top:bottom, left:right]))
    if inner_bottom - inner_top >= h * _MIN_SIDE:
        top, bottom = top + inner_top, top + inner_bottom
    cut = 1.0 - ((bottom - top) * (right - left)) / (h * w)
    if cut < _MIN_CUT:
        return None
    return left, top, right, bottom


def unchromed(rgb: Pixels) -> Pixels | None:
    """The picture without caption bars or screenshot chrome, or ``None`` if none was found."""
    box = picture_box(rgb)
    if box is None:
        return None
    left, top, right, bottom = box
    return np.ascontiguousarray(rgb[top:bottom, left:right])
