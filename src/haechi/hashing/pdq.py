"""PDQ hashing of pixels, through Meta's C++ core (the ``pdqhash`` package).

``pdqhash`` returns bits most-significant first (index 0 is bit 255); packing them big-endian
gives the hex form that Meta's tools print. The eight dihedral variants (rotations and mirror
images) come from one DCT, so checking a rotated or mirrored re-upload costs almost nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pdqhash

from haechi.hashing.decode import Pixels
from haechi.hashing.signals import PdqHash


def _pack(bits: npt.NDArray[np.int64]) -> bytes:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()


def pdq_of_pixels(pixels: Pixels) -> PdqHash:
    """The PDQ hash of RGB pixels prepared by :func:`~haechi.hashing.decode.pdq_pixels`."""
    bits, quality = pdqhash.compute(pixels)
    return PdqHash(_pack(bits), int(quality))


def pdq_dihedral(pixels: Pixels) -> list[PdqHash]:
    """The PDQ hashes of all eight rotations and mirror images; the first is the original."""
    variants: Sequence[npt.NDArray[np.int64]]
    variants, quality = pdqhash.compute_dihedral(pixels)
    return [PdqHash(_pack(v), int(quality)) for v in variants]
