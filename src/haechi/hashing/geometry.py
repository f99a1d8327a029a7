"""Finding a bank picture in a query by its local features, and proving it before reporting it.

Three steps, each cheaper than the next and each run only on what the last one let through:

1. **Candidates.** Every bank descriptor is cut into sixteen 16-bit chunks, each kept in a
   sorted table; a query descriptor looks up its own chunks (binary search). Two descriptors
   that differ by fewer than 16 bits share a chunk for certain (pigeonhole), and matching ORB
   patches, 10-40 bits apart, mostly do; unrelated ones, ~128 bits apart, rarely. Pairs found
   are kept when their full distance is at most :data:`MAX_DESCRIPTOR_BITS`, and one to one
   (each keypoint keeps its nearest partner per entry). Chunk values common in the bank are
   skipped, so the cost follows the pairs found, a sliver of the bank: no brute force over
   every descriptor (``bench/robustness.py`` measures both).
2. **Geometry.** For the :data:`MAX_ENTRIES_TRIED` entries with the most pairs, RANSAC fits
   one similarity transform (shift, rotation, uniform scale) from the entry's keypoints to the
   query's (``cv2.estimateAffinePartial2D``). At least :data:`MIN_INLIERS` pairs must agree.
   Among unrelated images about twenty at most agree by chance; copies agree by the hundred.
3. **Verification.** The query's view is warped onto the entry's frame with that transform,
   and the PDQ hash of a crop of it that the query fully covers is compared with the hash the
   bank kept of the same crop (:mod:`haechi.hashing.crops`). Only a crop within
   :data:`VERIFY_RADIUS` bits makes a match. This is what keeps shared chrome, logos or text
   (the same status bar in two screenshots, the same caption font) from ever making a match:
   they agree geometrically but the pictures they frame do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from haechi.hashing.crops import Box, RegionHash, box_pixels
from haechi.hashing.decode import Pixels
from haechi.hashing.local import LocalFeatures
from haechi.hashing.pdq import pdq_of_pixels
from haechi.hashing.signals import PDQ_RELIABLE_QUALITY
from haechi.index.base import HASH_BYTES

MAX_DESCRIPTOR_BITS = 48
"""Largest Hamming distance between two ORB descriptors taken as the same patch."""

MIN_PAIRS = 12
"""Descriptor pairs an entry needs before RANSAC is tried."""

MIN_INLIERS = 12
"""Pairs that must agree with one similarity transform."""

MAX_ENTRIES_TRIED = 12
"""Entries aligned per query, those with the most descriptor pairs first.

Bounds the cost per query whatever the bank's size; a query showing more than this many bank
pictures at once (a collage) may need PDQ to find the rest."""

VERIFY_RADIUS = 40
"""Largest PDQ distance between an aligned crop of the query and the bank's hash of it.

Wider than the 31 bits of a plain PDQ match because it is a second, independent test: the
query has already been aligned by a dozen or more agreeing keypoints. Unrelated pictures sit
~128 bits apart, and the nearest of thousands 90."""

_CHUNKS = HASH_BYTES // 2
# A chunk value shared by many bank keypoints says little and costs much: ORB chunks are far
# from uniform (the commonest values are ten times as frequent as they would be at random).
# Buckets over this many times their fair share (n / 65536) are skipped; copies still share
# plenty of rarer chunks.
_BUCKET_SHARE = 4.0
_BUCKET_FLOOR = 8
_RANSAC_PIXELS = 4.0
_MIN_SCALE, _MAX_SCALE = 0.08, 12.0
_GOOD_ENOUGH = 24  # stop trying crops at a distance this clear; else keep the nearest
_INSIDE_SLACK = 1.5  # pixels a crop's corner may stick out of the covered area


@dataclass(frozen=True)
class LocalMatch:
    """A bank entry found in a query by local features, and the evidence for it."""

    key: int
    distance: int
    """PDQ distance of the verifying crop."""
    inliers: int
    """Keypoint pairs agreeing with the transform."""
    pairs: int
    """Descriptor pairs found for this entry before RANSAC."""
    coverage: float
    """Share of the entry's frame that the query shows (0-1)."""
    box: Box
    """The crop that verified the match, in the entry's frame."""
    scale: float
    rotation: float
    """Degrees, anticlockwise, from the entry's frame to the query's."""
    found: Box | None = None
    """Where the entry's picture lies in the query, as fractions of the query's whole frame:
    the bounding box of the part of the entry the query shows, mapped by the transform. A
    reviewer sees it drawn on the found file's preview (an inset, a corner of a collage)."""


@dataclass(frozen=True)
class _Entry:
    key: int
    width: int
    height: int
    regions: tuple[RegionHash, ...]


def _chunks(descriptors: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint16]:
    return np.ascontiguousarray(descriptors).view(np.uint16)


class FeatureBank:
    """Local features of many bank entries, searchable by a query's features."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._points: list[npt.NDArray[np.float32]] = []
        self._descriptors: list[npt.NDArray[np.uint8]] = []
        self._built = False
        self._owner = np.empty(0, np.int32)
        self._all_points = np.empty((0, 2), np.float32)
        self._words = np.empty((0, HASH_BYTES // 8), np.uint64)
        self._sorted: list[npt.NDArray[np.uint16]] = []
        self._order: list[npt.NDArray[np.int32]] = []

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def keypoints(self) -> int:
        """Keypoints held, over all entries."""
        return sum(p.shape[0] for p in self._points)

    def add(self, key: int, features: LocalFeatures) -> None:
        """Add one entry's record; entries without reliable crop hashes cannot verify."""
        regions = tuple(r for r in features.regions if r.pdq.quality >= PDQ_RELIABLE_QUALITY)
        if len(features) < MIN_INLIERS or not regions:
            return
        self._entries.append(_Entry(key, features.width, features.height, regions))
        self._points.append(features.points)
        self._descriptors.append(features.descriptors)
        self._built = False

    def _build(self) -> None:
        if self._built:
            return
        if self._entries:
            descriptors = np.concatenate(self._descriptors)
            # int32 indexes: a bank holds far fewer than 2^31 keypoints, and at 16 tables the
            # index width is most of the memory (about 100 bytes per keypoint in all).
            self._owner = np.concatenate(
                [np.full(p.shape[0], i, np.int32) for i, p in enumerate(self._points)]
            )
            self._all_points = np.concatenate(self._points)
            self._words = np.ascontiguousarray(descriptors).view(np.uint64)
            chunks = _chunks(descriptors)
            self._order = [
                np.argsort(chunks[:, c], kind="stable").astype(np.int32) for c in range(_CHUNKS)
            ]
            self._sorted = [chunks[self._order[c], c] for c in range(_CHUNKS)]
        self._built = True

    def _pairs(
        self, descriptors: npt.NDArray[np.uint8]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """``(query index, bank index)`` of descriptor pairs within the distance cap."""
        chunks = _chunks(descriptors)
        cap = max(_BUCKET_FLOOR, round(_BUCKET_SHARE * self._owner.shape[0] / 65536))
        found_q: list[npt.NDArray[np.int64]] = []
        found_b: list[npt.NDArray[np.int64]] = []
        for c in range(_CHUNKS):
            lo = np.searchsorted(self._sorted[c], chunks[:, c], side="left")
            hi = np.searchsorted(self._sorted[c], chunks[:, c], side="right")
            counts = hi - lo
            counts[counts > cap] = 0
            total = int(counts.sum())
            if total == 0:
                continue
            q = np.repeat(np.arange(chunks.shape[0], dtype=np.int64), counts)
            starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
            found_q.append(q)
            found_b.append(self._order[c][starts + np.arange(total)].astype(np.int64))
        if not found_q:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        q = np.concatenate(found_q)
        b = np.concatenate(found_b)
        unique = np.unique(q * self._owner.shape[0] + b)
        q, b = unique // self._owner.shape[0], unique % self._owner.shape[0]
        query_words = np.ascontiguousarray(descriptors).view(np.uint64)
        bits = np.bitwise_count(query_words[q] ^ self._words[b]).sum(axis=1)
        near = bits <= MAX_DESCRIPTOR_BITS
        q, b, bits = q[near], b[near], bits[near]
        # One to one: each query keypoint keeps its nearest bank keypoint per entry, and each
        # bank keypoint its nearest query keypoint. A texture (gravel, grass, a brick wall)
        # has hundreds of near-identical patches; without this, one of them pairs with every
        # query keypoint and a wall looks like a match to everything.
        q, b, bits = _nearest_only(q * len(self._entries) + self._owner[b], q, b, bits)
        b, q, bits = _nearest_only(b, b, q, bits)
        return q, b

    def search(
        self,
        features: LocalFeatures,
        view: Pixels,
        skip: frozenset[int] = frozenset(),
        verify_radius: int = VERIFY_RADIUS,
    ) -> list[LocalMatch]:
        """Entries found in the query and verified on its view, best first.

        ``verify_radius`` is for measuring only: at 256 every aligned entry is reported, which
        shows how many keypoints chance alignments reach.
        """
        self._build()
        if not self._entries or len(features) < MIN_INLIERS:
            return []
        q, b = self._pairs(features.descriptors)
        owners = self._owner[b]
        counts = np.bincount(owners, minlength=len(self._entries))
        for index, entry in enumerate(self._entries):
            if entry.key in skip:
                counts[index] = 0
        # The entries with the most pairs, at most MAX_ENTRIES_TRIED of them: RANSAC costs the
        # same for every entry tried, and copies have several times the pairs chance gives.
        ranked = np.argsort(-counts, kind="stable")[:MAX_ENTRIES_TRIED]
        found: list[LocalMatch] = []
        for index in ranked[counts[ranked] >= MIN_PAIRS].tolist():
            entry = self._entries[index]
            mine = owners == index
            match = self._verify(
                entry, self._all_points[b[mine]], features.points[q[mine]], view, verify_radius
            )
            if match is not None:
                found.append(match)
        return sorted(found, key=lambda m: (m.distance, -m.inliers))

    def _verify(
        self,
        entry: _Entry,
        bank_points: npt.NDArray[np.float32],
        query_points: npt.NDArray[np.float32],
        view: Pixels,
        verify_radius: int,
    ) -> LocalMatch | None:
        transform, inliers = cv2.estimateAffinePartial2D(
            bank_points,
            query_points,
            method=cv2.RANSAC,
            ransacReprojThreshold=_RANSAC_PIXELS,
            maxIters=1000,
            confidence=0.995,
        )
        if transform is None or inliers is None:
            return None
        agreeing = int(np.count_nonzero(inliers))
        m = np.asarray(transform, dtype=np.float64)
        scale = float(np.hypot(m[0, 0], m[1, 0]))
        if agreeing < MIN_INLIERS or not _MIN_SCALE <= scale <= _MAX_SCALE:
            return None
        rotation = float(np.degrees(np.arctan2(m[1, 0], m[0, 0])))
        covered, coverage = _covered_area(m, view.shape[1], view.shape[0], entry)
        warped = cv2.warpAffine(
            view,
            m,
            (entry.width, entry.height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
        )
        aligned = np.asarray(warped, dtype=np.uint8)
        candidates = [r for r in entry.regions if _inside(r.box, covered, entry)]
        candidates.sort(key=lambda r: -(r.box[2] - r.box[0]) * (r.box[3] - r.box[1]))
        best: tuple[int, RegionHash] | None = None
        for region in candidates:
            x0, y0, x1, y1 = box_pixels(region.box, entry.width, entry.height)
            patch = aligned[y0:y1, x0:x1]
            if min(patch.shape) < 16:
                continue
            rgb = np.ascontiguousarray(np.repeat(patch[:, :, None], 3, axis=2))
            distance = pdq_of_pixels(rgb).distance(region.pdq)
            if best is None or distance < best[0]:
                best = (distance, region)
            if distance <= _GOOD_ENOUGH:
                break
        if best is None or best[0] > verify_radius:
            return None
        return LocalMatch(
            entry.key,
            best[0],
            agreeing,
            int(bank_points.shape[0]),
            coverage,
            best[1].box,
            scale,
            rotation,
            _found_box(m, covered, view.shape[1], view.shape[0]),
        )


def _found_box(
    m: npt.NDArray[np.float64], covered: npt.NDArray[np.float32], query_w: int, query_h: int
) -> Box | None:
    """The covered part of the entry (entry coordinates) mapped into the query's frame, as the
    bounding box in fractions of it (thousandths, as records keep boxes).

    The working view is the whole decoded file at its own aspect ratio, only scaled, so its
    fractions are the found file's fractions too.
    """
    if covered.shape[0] < 3 or query_w <= 0 or query_h <= 0:
        return None
    mapped = covered.astype(np.float64) @ m[:, :2].T + m[:, 2]
    size = np.array([query_w, query_h], np.float64)
    low = np.clip(mapped.min(axis=0) / size, 0.0, 1.0)
    high = np.clip(mapped.max(axis=0) / size, 0.0, 1.0)
    left, top, right, bottom = (round(float(v), 3) for v in (*low, *high))
    if right <= left or bottom <= top:
        return None
    return (left, top, right, bottom)


def _nearest_only(
    group: npt.NDArray[np.int64],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    bits: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Of pairs ``(a, b)`` with the same ``group``, only the one with the fewest ``bits``."""
    order = np.lexsort((bits, group))
    group, a, b, bits = group[order], a[order], b[order], bits[order]
    first = np.ones(group.shape[0], dtype=bool)
    first[1:] = group[1:] != group[:-1]
    return a[first], b[first], bits[first]


def _covered_area(
    m: npt.NDArray[np.float64], query_w: int, query_h: int, entry: _Entry
) -> tuple[npt.NDArray[np.float32], float]:
    """The query's frame in the entry's coordinates, clipped to the entry's frame, and its
    share of that frame."""
    inverse = cv2.invertAffineTransform(m)
    corners = np.array([[0, 0], [query_w, 0], [query_w, query_h], [0, query_h]], np.float64)
    mapped = corners @ inverse[:, :2].T + inverse[:, 2]
    frame = np.array(
        [[0, 0], [entry.width, 0], [entry.width, entry.height], [0, entry.height]], np.float32
    )
    area, overlap = cv2.intersectConvexConvex(mapped.astype(np.float32), frame)
    coverage = float(area) / float(entry.width * entry.height)
    if overlap is None or area <= 0:
        return np.empty((0, 2), np.float32), 0.0
    return np.asarray(overlap, np.float32).reshape(-1, 2), min(1.0, coverage)


def _inside(box: Box, polygon: npt.NDArray[np.float32], entry: _Entry) -> bool:
    if polygon.shape[0] < 3:
        return False
    x0, y0, x1, y1 = box_pixels(box, entry.width, entry.height)
    contour = polygon.reshape(-1, 1, 2)
    return all(
        cv2.pointPolygonTest(contour, (float(x), float(y)), True) >= -_INSIDE_SLACK
        for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    )
