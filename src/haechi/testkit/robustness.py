"""Measuring what PDQ survives: recall per transform, and false matches on unrelated images.

The test suite and ``bench/robustness.py`` must report the same thing, so the measurement
lives here once. A transformed copy matches its photo when any of its eight dihedral PDQ
variants is within :data:`MATCH_RADIUS` bits of the photo's registered hash, which is how a
scan checks rotated and mirrored re-uploads. Images go through :func:`haechi.hashing.hash_bytes`
as lossless files, so mode conversion and the 512x512 pre-resize are the production ones.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image

from haechi.errors import MediaError
from haechi.hashing import HashOptions, Outcome, PdqHash, hash_bytes
from haechi.index.base import HASH_BYTES, hamming
from haechi.testkit.photos import NamedImage
from haechi.testkit.transforms import Transform

MATCH_RADIUS = 31
"""Hamming distance at or under which two PDQ hashes are taken as the same picture."""

# PDQ alone: the second stage (regions, local features) is measured by bench/robustness.py.
_DIHEDRAL = HashOptions(dihedral=True, regions=False, local=False)


def lossless_bytes(image: Image.Image) -> bytes:
    """The image as an uncompressed TIFF file: lossless, and ten times quicker than PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF")
    return buffer.getvalue()


def pdq_variants(image: Image.Image, content: bool = False) -> list[PdqHash]:
    """The eight dihedral PDQ hashes of an image, the original orientation first.

    With ``content``, the variants of the picture inside uniform borders follow (if a border
    was found): every hash a scan queries with.
    """
    result = hash_bytes(lossless_bytes(image), _DIHEDRAL)
    if result.outcome is not Outcome.OK:
        raise MediaError(f"test image did not hash: {result.error}")
    return [*result.dihedral, *result.content] if content else list(result.dihedral)


def pdq_of_image(image: Image.Image) -> PdqHash:
    """The PDQ hash a bank would register for this image."""
    return pdq_variants(image)[0]


def nearest_variant(variants: Iterable[PdqHash], registered: PdqHash) -> int:
    """The smallest distance from any variant to the registered hash."""
    return min(v.distance(registered) for v in variants)


@dataclass(frozen=True)
class TransformResult:
    """How far each photo's transformed copy landed from its registered hash."""

    name: str
    distances: Mapping[str, int]

    @property
    def n(self) -> int:
        """Number of photos transformed."""
        return len(self.distances)

    def recall(self, radius: int = MATCH_RADIUS) -> float:
        """Fraction of transformed copies found within ``radius``."""
        return sum(d <= radius for d in self.distances.values()) / max(1, self.n)

    @property
    def mean_distance(self) -> float:
        """Mean of the nearest-variant distances."""
        return sum(self.distances.values()) / max(1, self.n)

    def missed(self, radius: int = MATCH_RADIUS) -> list[str]:
        """Photos whose transformed copy was not found."""
        return sorted(p for p, d in self.distances.items() if d > radius)


def measure_transforms(
    photos: Mapping[str, Image.Image],
    transforms: Mapping[str, Transform],
    registered: Mapping[str, PdqHash] | None = None,
    content: bool = False,
) -> list[TransformResult]:
    """Apply every transform to every photo and measure the distance to the photo's hash.

    ``content`` also queries with the hashes of the picture inside uniform borders.
    """
    hashes = dict(registered) if registered else {n: pdq_of_image(im) for n, im in photos.items()}
    results = []
    for name, transform in transforms.items():
        distances = {
            photo: nearest_variant(pdq_variants(transform(image), content), hashes[photo])
            for photo, image in photos.items()
        }
        results.append(TransformResult(name, distances))
    return results


@dataclass(frozen=True)
class FalseMatch:
    """An unrelated image whose nearest variant came close to a registered photo."""

    unrelated: str
    photo: str
    distance: int
    quality: int


@dataclass(frozen=True)
class FalseMatchReport:
    """Unrelated images checked against every registered photo."""

    checked: int
    low_quality: int
    matches: tuple[FalseMatch, ...]
    nearest: FalseMatch | None
    distances: tuple[int, ...]
    """Each unrelated image's distance to its nearest registered photo, in input order."""


def measure_false_matches(
    registered: Mapping[str, PdqHash],
    unrelated: Iterable[NamedImage],
    radius: int = MATCH_RADIUS,
    content: bool = False,
) -> FalseMatchReport:
    """Every unrelated image whose nearest dihedral variant is within ``radius`` of a photo.

    Low-quality hashes are counted as matches too, not dropped as a scan would drop them, so
    the figure is an upper bound; ``low_quality`` says how many there were. ``content`` also
    queries with the hashes of the picture inside uniform borders, as a scan does.
    """
    names = list(registered)
    targets = np.frombuffer(b"".join(registered[n].bits for n in names), dtype=np.uint8).reshape(
        -1, HASH_BYTES
    )
    checked = low_quality = 0
    matches: list[FalseMatch] = []
    nearest: FalseMatch | None = None
    distances: list[int] = []
    for item in unrelated:
        variants = pdq_variants(item.image, content)
        quality = variants[0].quality
        checked += 1
        low_quality += not variants[0].reliable()
        queries = np.frombuffer(b"".join(v.bits for v in variants), dtype=np.uint8).reshape(
            -1, HASH_BYTES
        )
        closest = HASH_BYTES * 8
        for k, photo in enumerate(names):
            distance = int(hamming(queries, targets[k : k + 1]).min())
            closest = min(closest, distance)
            found = FalseMatch(item.name, photo, distance, quality)
            if distance <= radius:
                matches.append(found)
            if nearest is None or distance < nearest.distance:
                nearest = found
        distances.append(closest)
    return FalseMatchReport(checked, low_quality, tuple(matches), nearest, tuple(distances))
