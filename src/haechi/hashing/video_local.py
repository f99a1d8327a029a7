"""The image second stage for video: crop hashes and local features of representative frames.

PDQ of whole frames finds a video re-encoded, resized, trimmed or mirrored, but not one cropped
by more than a few per cent, shown small inside another video (picture-in-picture) or framed
by caption bars it cannot trim. Pictures are found despite those edits by the PDQ hashes of
fixed crops and by ORB keypoints verified on an aligned crop (:mod:`haechi.hashing.crops`,
:mod:`haechi.hashing.local`, :mod:`haechi.hashing.geometry`); this module does the same for a
video's frames, at a cost that stays small per minute:

* **Banks** keep the keypoints of *representative* frames only (:class:`Representatives`):
  the first reliable frame, then a frame whenever the last representative no longer stands
  for it, by the test a query frame must pass to match it (its keypoints align with the frame
  and an aligned crop verifies) applied to the frame's centre with a quarter cut away, the
  widest crop the bench asks for. A cut, or a pan or zoom that left the representative behind,
  starts a new one; a pan across one textured picture does not, while a picture with little
  texture (whose crops keep few keypoints) gets more. Each stands for the time until the next
  one. Under the earlier rule (a new one whenever PDQ moved 40 bits) slow pans over photos made
  nearly every frame a representative: about 490 KB per registered minute. The frames in
  between keep their crop hashes alone (about 0.7 KB each, only once the picture moved): a
  frame cropped by a quarter lands near one of them whatever its texture.
* **Queries** keep the keypoints (and the grey working view that verification warps) of their
  sampled frames, thinned the same way at finer steps, at most :data:`MAX_QUERY_FRAMES`.

The record a bank keeps (signal kind ``vorb``) is versioned binary, never pickle: the magic
``HVLF``, a version byte, three zero bytes, the frame count (uint32), then per frame its time
and the time it stands until (milliseconds, uint32 each), the length of its local-features
record (uint32) and that record (:class:`~haechi.hashing.local.LocalFeatures`; one without
keypoints is a frame's crop hashes, standing for that frame alone). Like an image's
``orb`` record it is partly invertible and stays home unless exported on purpose.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from haechi.hashing.crops import FULL_FRAME, Box, RegionHash, crop, crop_hashes
from haechi.hashing.decode import PDQ_SIDE, DecodedImage, Pixels
from haechi.hashing.geometry import FeatureBank
from haechi.hashing.local import (
    QUERY_KEYPOINTS,
    REGISTER_KEYPOINTS,
    LocalFeatures,
    local_features,
    working_view,
)
from haechi.hashing.signals import PDQ_RELIABLE_QUALITY, PdqHash
from haechi.index.base import HASH_BYTES

MAGIC = b"HVLF"
VERSION = 1
KEY_DISTANCE = 40
"""Bits a featureless bank frame (too few keypoints to align) must move from the last
representative to be a new one."""
KEY_SECONDS = 20.0
"""Seconds after which a bank frame is a new representative however well the last aligns."""
SAME_DISTANCE = 16
"""A bank frame this few PDQ bits from the last representative is stood for without aligning."""
STAND_CROP: Box = (0.125, 0.125, 0.875, 0.875)
"""What of a bank frame the last representative must still find for it to stand for the
frame: its centre, a quarter cut away (a copy cropped by 25 %)."""
CROPS_DISTANCE = 6
"""Bits a frame must move from the last one whose crops were kept for its own to be kept (the
fold distance of frame hashes)."""
QUERY_DISTANCE = 16
"""Bits a query frame must move from the last one kept for local features."""
QUERY_SECONDS = 2.0
"""Seconds after which a query frame is kept for local features however little it moved."""
MAX_KEY_FRAMES = 5_000
"""Representative frames (with keypoints) a video keeps at most; later frames keep crops."""
MAX_RECORD_FRAMES = 20_000
"""Frames a record holds at most (as many as a video is sampled: a sanity cap for records
read from outside)."""
MAX_QUERY_FRAMES = 240
"""Query frames with local features at most per video (about 20 MB of views at 512 px)."""

_HEADER = struct.Struct("<4sB3xI")
_FRAME = struct.Struct("<III")


@dataclass(frozen=True)
class KeyFrame:
    """One representative frame of a registered video and the stretch it stands for."""

    start: float
    end: float
    features: LocalFeatures
    """Keypoints of its working view, with the PDQ hashes of the whole frame and its crops."""

    def crops(self) -> tuple[RegionHash, ...]:
        """The PDQ hashes of its fixed crops (not of the whole frame)."""
        return tuple(r for r in self.features.regions if r.box != FULL_FRAME)


@dataclass(frozen=True)
class VideoFeatures:
    """The representative frames of one registered video, in time order."""

    frames: tuple[KeyFrame, ...]

    def __len__(self) -> int:
        return len(self.frames)

    def to_bytes(self) -> bytes:
        """The versioned record (see the module docstring)."""
        parts = [_HEADER.pack(MAGIC, VERSION, len(self.frames))]
        for key in self.frames:
            record = key.features.to_bytes()
            parts.append(_FRAME.pack(_ms(key.start), _ms(key.end), len(record)))
            parts.append(record)
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> VideoFeatures:
        """Read a record; ``ValueError`` says what is wrong with a damaged or foreign one."""
        if len(data) < _HEADER.size:
            raise ValueError(f"a vorb record of {len(data)} bytes is too short")
        magic, version, count = _HEADER.unpack_from(data)
        if magic != MAGIC:
            raise ValueError("not a vorb record (wrong magic)")
        if version != VERSION:
            raise ValueError(f"vorb record version {version} is not supported")
        if count > MAX_RECORD_FRAMES:
            raise ValueError(f"a vorb record of {count:,} frames is over {MAX_RECORD_FRAMES:,}")
        at, frames = _HEADER.size, []
        for n in range(count):
            if at + _FRAME.size > len(data):
                raise ValueError(f"a vorb record ends inside frame {n + 1} of {count}")
            start, end, size = _FRAME.unpack_from(data, at)
            at += _FRAME.size
            if at + size > len(data) or end < start:
                raise ValueError(f"frame {n + 1} of a vorb record is damaged")
            features = LocalFeatures.from_bytes(data[at : at + size])
            at += size
            frames.append(KeyFrame(start / 1000, end / 1000, features))
        if at != len(data):
            raise ValueError(f"a vorb record has {len(data) - at} bytes after its frames")
        return cls(tuple(frames))


def _ms(seconds: float) -> int:
    return max(0, min(2**32 - 1, round(seconds * 1000)))


@dataclass(frozen=True)
class QueryFrame:
    """A sampled query frame's keypoints and its grey working view (never stored)."""

    timestamp: float
    features: LocalFeatures
    view: Pixels


def frame_view(pixels: Pixels, width: int, height: int) -> Pixels:
    """A frame's grey working view at its own aspect ratio, from the pixels PDQ hashed."""
    return working_view(DecodedImage(pixels, "video", width, height))


def bank_frame(pixels: Pixels, width: int, height: int, whole: PdqHash) -> LocalFeatures:
    """What a bank keeps of one frame: keypoints, the whole frame's hash and its crops'."""
    verify = (RegionHash(FULL_FRAME, whole), *crop_hashes(pixels))
    return local_features(frame_view(pixels, width, height), REGISTER_KEYPOINTS, verify)


def crops_only(pixels: Pixels, width: int, height: int) -> LocalFeatures:
    """What a bank keeps of a frame its representative stands for: its crops' hashes."""
    scale = min(1.0, PDQ_SIDE / max(width, height, 1))
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    none = np.empty((0, 2), np.float32), np.empty((0, HASH_BYTES), np.uint8)
    return LocalFeatures(w, h, *none, crop_hashes(pixels))


def query_frame(pixels: Pixels, width: int, height: int) -> tuple[LocalFeatures, Pixels]:
    """What a query keeps of one frame: keypoints and the view to verify them on."""
    view = frame_view(pixels, width, height)
    return local_features(view, QUERY_KEYPOINTS), view


class Thinning:
    """Picks the frames worth local features, in time order: the first reliable one, then
    each that moved ``distance`` bits from the last picked or came ``seconds`` after it."""

    def __init__(self, distance: int, seconds: float, limit: int) -> None:
        self.distance = distance
        self.seconds = seconds
        self.limit = limit
        self.picked = 0
        self._last: tuple[float, PdqHash] | None = None

    def wants(self, timestamp: float, pdq: PdqHash) -> bool:
        """Whether this frame is picked (and if so, it becomes the last picked)."""
        if pdq.quality < PDQ_RELIABLE_QUALITY or self.picked >= self.limit:
            return False
        last = self._last
        if (
            last is not None
            and timestamp - last[0] < self.seconds
            and last[1].distance(pdq) < self.distance
        ):
            return False
        self._last = (timestamp, pdq)
        self.picked += 1
        return True


class Representatives:
    """Picks a registered video's representative frames as its frames come, in time order,
    and takes their keypoints and crop hashes (see the module docstring)."""

    def __init__(self, limit: int = MAX_KEY_FRAMES) -> None:
        self.limit = limit
        self.picked: list[tuple[float, LocalFeatures]] = []
        self.representatives = 0
        self._last: tuple[float, PdqHash, FeatureBank] | None = None
        self._cropped: PdqHash | None = None  # the last frame whose crops were kept

    def offer(
        self, timestamp: float, pixels: Pixels, width: int, height: int, pdq: PdqHash
    ) -> None:
        """Consider one sampled frame (``pdq`` is its hash) as a new representative."""
        if pdq.quality < PDQ_RELIABLE_QUALITY or len(self.picked) >= MAX_RECORD_FRAMES:
            return
        if self.representatives >= self.limit or self._stood_for(
            timestamp, pixels, width, height, pdq
        ):
            # Crop hashes alone, once the picture moved (as frames are folded).
            if self._cropped is None or self._cropped.distance(pdq) > CROPS_DISTANCE:
                self._cropped = pdq
                self.picked.append((timestamp, crops_only(pixels, width, height)))
            return
        features = bank_frame(pixels, width, height, pdq)
        bank = FeatureBank()
        bank.add(0, features)
        self._last = (timestamp, pdq, bank)
        self._cropped = pdq
        self.representatives += 1
        self.picked.append((timestamp, features))

    def _stood_for(
        self, timestamp: float, pixels: Pixels, width: int, height: int, pdq: PdqHash
    ) -> bool:
        if self._last is None:
            return False
        since, last, bank = self._last
        if timestamp - since >= KEY_SECONDS:
            return False
        moved = last.distance(pdq)
        if moved <= SAME_DISTANCE:
            return True
        if len(bank) == 0:  # too few keypoints to align: by PDQ alone
            return moved < KEY_DISTANCE
        left, top, right, bottom = STAND_CROP
        inner = crop(pixels, STAND_CROP)
        w, h = round(width * (right - left)), round(height * (bottom - top))
        features, view = query_frame(inner, max(1, w), max(1, h))
        return len(bank.search(features, view)) > 0


def key_frames(picked: list[tuple[float, LocalFeatures]], end: float) -> VideoFeatures:
    """Frames from ``(time, features)`` in time order: a representative (with keypoints)
    stands until the next representative, a frame of crop hashes alone until the next frame;
    the last until ``end``."""
    ordered = sorted(picked, key=lambda p: p[0])
    frames = []
    for k, (start, features) in enumerate(ordered):
        later = (t for t, f in ordered[k + 1 :] if len(f) > 0 or len(features) == 0)
        until = next(later, max(start, end))
        frames.append(KeyFrame(round(start, 3), round(until, 3), features))
    return VideoFeatures(tuple(frames))
