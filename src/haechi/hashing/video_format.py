"""A video's frame hashes, and the file formats they travel in.

A video is kept as the PDQ hashes of frames sampled from it (vPDQ): for each frame its number,
its time, its hash and the hash's quality. Three forms, each for a reason:

``vpdq`` text
    Meta's feature file, as ``vpdq`` writes it (``cpp/vpdq/cpp/io/vpdqio.cpp``): one line per
    frame, ``frame_number,quality,pdq_hex,timestamp`` with the time in seconds to three
    decimals. Partners running Meta's tools or StopNCII exchange these; it is also the text
    form of a ``vpdq`` signal in haechi's JSON and CSV bank files.
HMA value
    HMA's ``vpdq`` signal value: a JSON list of ``"pdq_hex,quality,timestamp"`` strings (no
    frame numbers; they are rebuilt from the order of the list on reading).
record
    The versioned binary blob a bank keeps per entry (about 41 bytes a frame): the magic
    ``HVPQ``, a version byte, three zero bytes, the frame count (uint32, little-endian), then
    per frame the frame number (uint32), the time in milliseconds (uint32), the quality
    (uint8) and the 32 hash bytes. Never pickle: any other byte string is refused by name.

Frame hashes cannot be turned back into the video: each is a PDQ hash of one frame.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from haechi.hashing.signals import PdqHash

RECORD_MAGIC = b"HVPQ"
RECORD_VERSION = 1
MAX_FRAMES = 200_000
"""Sanity cap on frames in one signature read from outside (55 hours at one a second)."""

_HEADER = struct.Struct("<4sB3xI")
_FRAME = np.dtype(
    [("frame", "<u4"), ("ms", "<u4"), ("quality", "u1"), ("hash", "u1", (32,))], align=False
)
_LINE = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*,\s*([0-9a-fA-F]{64})\s*,\s*([0-9.eE+-]+)\s*$")
_MAX_SECONDS = 2**32 / 1000 - 1


def looks_like_vpdq(text: str) -> bool:
    """Whether text is in the form of a vPDQ feature file: its first line that is neither
    blank nor a ``#`` comment is ``frame_number,quality,pdq_hex,timestamp``.

    An HMA signal file's lines (``<type> <value>``) never are, so a file named ``.txt`` can be
    told by its content.
    """
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return _LINE.match(line) is not None
    return False


@dataclass(frozen=True)
class FrameHash:
    """One sampled frame: its number in the video, its time in seconds, its PDQ hash."""

    frame: int
    timestamp: float
    pdq: PdqHash

    def vpdq_line(self) -> str:
        """The line Meta's ``vpdq`` writes for this frame."""
        return f"{self.frame},{self.pdq.quality},{self.pdq.hex},{self.timestamp:.3f}"


def _check_frame(frame: int, timestamp: float, quality: int, where: str) -> None:
    if not 0 <= frame < 2**32:
        raise ValueError(f"{where}: frame number {frame} is out of range")
    if not (math.isfinite(timestamp) and 0 <= timestamp <= _MAX_SECONDS):
        raise ValueError(f"{where}: time {timestamp!r} is not a time in the video")
    if not 0 <= quality <= 100:
        raise ValueError(f"{where}: quality {quality} is outside 0-100")


@dataclass(frozen=True)
class VideoSignature:
    """The frame hashes of one video, in time order."""

    frames: tuple[FrameHash, ...]

    def __len__(self) -> int:
        return len(self.frames)

    @classmethod
    def of(cls, frames: Iterable[FrameHash]) -> VideoSignature:
        """A signature from frames in any order (sorted by time, then frame number)."""
        ordered = sorted(frames, key=lambda f: (f.timestamp, f.frame))
        if len(ordered) > MAX_FRAMES:
            raise ValueError(f"{len(ordered):,} frames are over the cap of {MAX_FRAMES:,}")
        for f in ordered:
            _check_frame(f.frame, f.timestamp, f.pdq.quality, f"frame {f.frame}")
        return cls(tuple(ordered))

    # -- Meta's vPDQ feature file ----------------------------------------------------------

    def to_vpdq(self) -> str:
        """Meta's feature-file text: ``frame_number,quality,pdq_hex,timestamp`` per line."""
        return "".join(f.vpdq_line() + "\n" for f in self.frames)

    @classmethod
    def from_vpdq(cls, text: str) -> VideoSignature:
        """Parse a feature file; ``ValueError`` names the first bad line."""
        frames = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            found = _LINE.match(line)
            if found is None:
                raise ValueError(
                    f"line {n}: {line[:80]!r} is not frame_number,quality,pdq_hex,timestamp"
                )
            frame, quality, hexed, seconds = found.groups()
            try:
                timestamp = float(seconds)
            except ValueError:
                raise ValueError(f"line {n}: {seconds!r} is not a time") from None
            _check_frame(int(frame), timestamp, int(quality), f"line {n}")
            frames.append(FrameHash(int(frame), timestamp, PdqHash.from_hex(hexed, int(quality))))
        if not frames:
            raise ValueError("a vPDQ feature file with no frames")
        return cls.of(frames)

    # -- HMA's vpdq signal value -----------------------------------------------------------

    def to_hma(self) -> str:
        """HMA's value: a JSON list of ``"pdq_hex,quality,timestamp"``."""
        items = [f"{f.pdq.hex},{f.pdq.quality},{f.timestamp:.3f}" for f in self.frames]
        return json.dumps(items, separators=(",", ":"))

    @classmethod
    def from_hma(cls, text: str, fps: float = 1.0) -> VideoSignature:
        """Parse HMA's value; frame numbers, which it lacks, come from the times at ``fps``."""
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"a vpdq value must be a JSON list ({exc})") from None
        if not isinstance(items, list) or not items:
            raise ValueError("a vpdq value must be a non-empty JSON list")
        frames = []
        for n, item in enumerate(items, 1):
            parts = str(item).split(",")
            if len(parts) != 3:
                raise ValueError(f"frame {n}: {str(item)[:80]!r} is not pdq_hex,quality,timestamp")
            hexed, quality, seconds = (p.strip() for p in parts)
            try:
                q, t = int(quality), float(seconds)
            except ValueError:
                raise ValueError(f"frame {n}: bad quality or time in {item!r}") from None
            _check_frame(round(t * fps), t, q, f"frame {n}")
            frames.append(FrameHash(round(t * fps), t, PdqHash.from_hex(hexed, q)))
        return cls.of(frames)

    # -- the record a bank keeps -----------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The versioned binary record (see the module docstring)."""
        table = np.zeros(len(self.frames), dtype=_FRAME)
        for k, f in enumerate(self.frames):
            table[k] = (f.frame, round(f.timestamp * 1000), f.pdq.quality, tuple(f.pdq.bits))
        return _HEADER.pack(RECORD_MAGIC, RECORD_VERSION, len(self.frames)) + table.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> VideoSignature:
        """Read a record; ``ValueError`` says what is wrong with a damaged or foreign one."""
        if len(data) < _HEADER.size:
            raise ValueError(f"a vpdq record of {len(data)} bytes is too short")
        magic, version, count = _HEADER.unpack_from(data)
        if magic != RECORD_MAGIC:
            raise ValueError("not a vpdq record (wrong magic)")
        if version != RECORD_VERSION:
            raise ValueError(f"vpdq record version {version} is not supported")
        if count > MAX_FRAMES:
            raise ValueError(f"a vpdq record of {count:,} frames is over {MAX_FRAMES:,}")
        body = data[_HEADER.size :]
        if len(body) != count * _FRAME.itemsize:
            raise ValueError(f"a vpdq record of {count} frames has {len(body)} bytes of frames")
        table = np.frombuffer(body, dtype=_FRAME)
        if count and int(table["quality"].max()) > 100:
            raise ValueError("a vpdq record with a quality outside 0-100")
        return cls(
            tuple(
                FrameHash(
                    int(r["frame"]),
                    int(r["ms"]) / 1000,
                    PdqHash(r["hash"].tobytes(), int(r["quality"])),
                )
                for r in table
            )
        )

    # -- what matching needs ---------------------------------------------------------------

    def hash_array(self) -> np.ndarray[tuple[int, int], np.dtype[np.uint8]]:
        """The frames' hashes as an ``(n, 32)`` uint8 array, in frame order."""
        if not self.frames:
            return np.empty((0, 32), dtype=np.uint8)
        return np.frombuffer(b"".join(f.pdq.bits for f in self.frames), dtype=np.uint8).reshape(
            -1, 32
        )

    @property
    def duration(self) -> float:
        """Time from the first to the last sampled frame, plus one typical sampling step."""
        if not self.frames:
            return 0.0
        return self.frames[-1].timestamp - self.frames[0].timestamp + self.step

    @property
    def step(self) -> float:
        """The typical time between sampled frames (median gap; 1 s when unknown)."""
        if len(self.frames) < 2:
            return 1.0
        gaps = np.diff([f.timestamp for f in self.frames])
        positive = gaps[gaps > 0]
        return float(np.median(positive)) if positive.size else 1.0


def fold(frames: Iterable[FrameHash], distance: int, min_quality: int) -> list[FrameHash]:
    """Drop frames below ``min_quality`` and frames within ``distance`` bits of the last kept.

    Long still scenes (a title card, a static shot) give runs of near-identical frames; one
    frame per run is all matching needs, and keeping all of them would let a still scene
    outweigh the rest of the video in the share of frames matched. ``distance`` 0 drops exact
    repeats only, as HMA's ``dedupe`` does.
    """
    kept: list[FrameHash] = []
    for f in frames:
        if f.pdq.quality < min_quality:
            continue
        if kept and kept[-1].pdq.distance(f.pdq) <= distance:
            continue
        kept.append(f)
    return kept
