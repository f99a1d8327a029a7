"""The hashes of one sampled video frame: PDQ through the image path, and its variants.

Queries also hash each frame's turns and mirror images (from one DCT), the picture inside flat
borders or caption bars and its centre 70 % (clear of corner logos); banks its centre 95 % and
70 % (re-uploads cropped by about 5 %, or stamped in a corner). The pixels come back too when
local features may be taken of them (:mod:`haechi.hashing.video_local`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from haechi.hashing.chrome import unchromed
from haechi.hashing.crops import Box, crop
from haechi.hashing.decode import PDQ_SIDE, Pixels, pdq_pixels
from haechi.hashing.normalise import unbordered
from haechi.hashing.pdq import pdq_dihedral, pdq_of_pixels
from haechi.hashing.signals import PdqHash
from haechi.hashing.video_options import VideoOptions

_MIRROR = 5
# pdqhash's dihedral order after the original: the turns, then the mirror images.
_DIHEDRAL = {1: "rotate-90", 2: "rotate-180", 3: "rotate-270", 4: "flip", 5: "mirror"}
_DIHEDRAL |= {6: "transpose", 7: "transverse"}
CENTRE_95: Box = (0.025, 0.025, 0.975, 0.975)
CENTRE_70: Box = (0.15, 0.15, 0.85, 0.85)


FrameHashes = tuple[PdqHash, dict[str, PdqHash], Pixels | None]
"""A frame's own hash, its variants by name, and its pixels when they are wanted."""


def frame_hashes(frame: Any, options: VideoOptions) -> FrameHashes:
    """PDQ of a decoded frame through the image path (RGB, nearest-sampled to 512, PDQ), and
    of the variants asked for: its mirror image (from the same DCT: pdqhash's dihedral
    variant 5 is the left-right mirror, measured), the other turns and mirror images, the
    picture inside flat borders or caption bars, the centre 95 % and 70 %; and the pixels,
    when local features may be taken of them."""
    rgb = frame.to_ndarray(format="rgb24")
    h, w = rgb.shape[:2]
    if h > PDQ_SIDE or w > PDQ_SIDE:
        # The rows and columns :func:`~haechi.hashing.decode.pdq_pixels` picks, by ``take``
        # (four times faster than fancy indexing on a 720p frame; the test checks equality).
        rows = (np.arange(PDQ_SIDE) * h) // PDQ_SIDE
        cols = (np.arange(PDQ_SIDE) * w) // PDQ_SIDE
        rgb = np.take(np.take(rgb, rows, axis=0), cols, axis=1)
    pixels = pdq_pixels(rgb)
    others: dict[str, PdqHash] = {}
    if options.dihedral:
        dihedral = pdq_dihedral(pixels)
        whole = dihedral[0]
        others.update((name, dihedral[k]) for k, name in _DIHEDRAL.items())
    elif options.mirror:
        dihedral = pdq_dihedral(pixels)
        whole, others["mirror"] = dihedral[0], dihedral[_MIRROR]
    else:
        whole = pdq_of_pixels(pixels)
    if options.content:
        inner = unbordered(pixels)
        if inner is not None:
            others["content"] = pdq_of_pixels(inner)
    if options.regions:
        chromeless = unchromed(pixels)
        if chromeless is not None:
            others["chrome"] = pdq_of_pixels(chromeless)
    if options.crop:
        others["crop"] = pdq_of_pixels(crop(pixels, CENTRE_95))
    if options.centre:
        others["centre"] = pdq_of_pixels(crop(pixels, CENTRE_70))
    keep = pixels if options.local or options.key_frames else None
    return whole, others, keep
