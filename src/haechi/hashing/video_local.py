"""The image second stage for video: crop hashes and local features of representative frames.

PDQ of whole frames finds a video re-encoded, resized, trimmed or mirrored, but not one cropped
by more than a few per cent, shown small inside another video (picture-in-picture) or framed
by caption bars it cannot trim. Pictures are found despite those edits by the PDQ hashes of
fixed crops and by ORB keypoints verified on an aligned crop (:mod:`haechi.hashing.crops`,
:mod:`haechi.hashing.local`, :mod:`haechi.hashing.geometry`); this module does the same for a
video's frames, at a cost that stays small per minute:

* **Banks** keep the crops and keypoints of *representative* frames only: the first reliable
  frame, then a frame whenever the picture has moved :data:`KEY_DISTANCE` bits from the last
  representative (a cut, a pan) or :data:`KEY_SECONDS` have passed. Each stands for the time
  until the next one, as a folded frame does.
* **Queries** keep the keypoints (and the grey working view that verification warps) of their
  sampled frames, thinned the same way at finer steps, at most :data:`MAX_QUERY_FRAMES`.

The record a bank keeps (signal kind ``vorb``) is versioned binary, never pickle: the magic
``HVLF``, a version byte, three zero bytes, the frame count (uint32), then per frame its time
and the time it stands until (milliseconds, uint32 each), the length of its local-features
record (uint32) and that record (:class:`~haechi.hashing.local.LocalFeatures`). Like an image's
``orb`` record it is partly invertible and stays home unless exported on purpose.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from haechi.hashing.crops import FULL_FRAME, RegionHash, crop_hashes
from haechi.hashing.decode import DecodedImage, Pixels
from haechi.hashing.local import (
    QUERY_KEYPOINTS,
    REGISTER_KEYPOINTS,
    LocalFeatures,
    local_features,
    working_view,
)
from haechi.hashing.signals import PDQ_RELIABLE_QUALITY, PdqHash

MAGIC = b"HVLF"
VERSION = 1
KEY_DISTANCE = 40
"""Bits a bank frame must move from the last representative to be a new one."""
KEY_SECONDS = 4.0
"""Seconds after which a bank frame is a new representative however little it moved."""
QUERY_DISTANCE = 16
"""Bits a query frame must move from the last one kept for local features."""
QUERY_SECONDS = 2.0
"""Seconds after which a query frame is kept for local features however little it moved."""
MAX_KEY_FRAMES = 5_000
"""Representative frames a record holds at most (a sanity cap for records read from outside)."""
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
        if count > MAX_KEY_FRAMES:
            raise ValueError(f"a vorb record of {count:,} frames is over {MAX_KEY_FRAMES:,}")
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


def key_frames(picked: list[tuple[float, LocalFeatures]], end: float) -> VideoFeatures:
    """Representative frames from ``(time, features)`` in time order; the last stands until
    ``end``, each other until the next."""
    ordered = sorted(picked, key=lambda p: p[0])
    frames = []
    for k, (start, features) in enumerate(ordered):
        until = ordered[k + 1][0] if k + 1 < len(ordered) else max(start, end)
        frames.append(KeyFrame(round(start, 3), round(until, 3), features))
    return VideoFeatures(tuple(frames))
