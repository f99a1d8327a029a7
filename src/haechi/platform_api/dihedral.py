"""The eight rotations and mirror images of a PDQ hash, computed from the hash alone.

PDQ's bits are the signs (against the median) of a 16x16 block of DCT coefficients, bit
``16 i + j`` for coefficient ``(i, j)``. Turning or mirroring the picture transposes that block
and negates alternate rows or columns, so each variant is the hash with its bit matrix
transposed and alternate rows or columns inverted. Because the threshold is the median and not
zero, a variant made this way differs from the hash of the turned picture by a few bits
(0-16 measured on the sample photos), well inside the match radius of 31. A client that has the
pixels sends exact variants instead (``haechi.client`` does).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

_ODD = (np.arange(16) % 2).astype(bool)
_ODD_ROWS = np.broadcast_to(_ODD[:, None], (16, 16))
_ODD_COLS = np.broadcast_to(_ODD[None, :], (16, 16))


def dihedral_variants(hashes: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """``(n, 32)`` hashes to ``(n * 8, 32)``: each hash's eight variants, the hash itself first."""
    bits = np.unpackbits(hashes, axis=1).reshape(-1, 16, 16)
    out = []
    for transpose in (False, True):
        m = bits.transpose(0, 2, 1) if transpose else bits
        for rows in (False, True):
            for cols in (False, True):
                x = m
                if rows:
                    x = np.where(_ODD_ROWS, 1 - x, x)
                if cols:
                    x = np.where(_ODD_COLS, 1 - x, x)
                out.append(x.reshape(-1, 256))
    stacked = np.stack(out, axis=1).reshape(-1, 256).astype(np.uint8)
    packed: npt.NDArray[np.uint8] = np.packbits(stacked, axis=1)
    return packed
