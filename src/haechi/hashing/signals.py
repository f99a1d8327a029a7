"""Signals: what haechi keeps of a piece of content instead of the content itself.

A signal is a kind and a value. ``pdq``, ``md5`` and ``sha256`` are the classic ones that every
hash-sharing tool reads. Two more let a partial view be found, and neither can be turned back
into the picture: ``pdq-crop`` is the PDQ hash of one fixed crop of the picture (its centre or a
corner at 55-90 %), and ``orb`` is one record per entry of ORB keypoint positions and binary
descriptors with the PDQ hashes of the crops they verify against
(:mod:`haechi.hashing.local`), written as base64 text wherever a signal travels as text.
A video's signal is ``vpdq``: the PDQ hashes of its sampled frames, written as Meta's vPDQ
feature-file text and kept as one versioned record (:mod:`haechi.hashing.video_format`);
``vpdq-crop`` holds the same frames' centre 95 %, so a re-upload cropped by about 5 % is found,
and ``vpdq-centre`` their centre 70 %, clear of the corners where sites stamp their logos.
``vorb`` is a video's ``orb``: the keypoints and crop hashes of its representative frames
(:mod:`haechi.hashing.video_local`), base64 text wherever it travels as text.

PDQ values carry their quality, because a hash of a flat or tiny image is not reliable: such a
hash is kept, flagged by :attr:`PdqHash.reliable`, and not matched by default.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from haechi.index.base import HASH_BYTES, Hashes

if TYPE_CHECKING:
    from haechi.hashing.video_format import VideoSignature

PDQ_RELIABLE_QUALITY = 50


class SignalKind(StrEnum):
    """Stable short names, used as keys in the database, files, the CLI and the API."""

    PDQ = "pdq"
    MD5 = "md5"
    SHA256 = "sha256"
    PDQ_CROP = "pdq-crop"
    ORB = "orb"
    VPDQ = "vpdq"
    VPDQ_CROP = "vpdq-crop"
    VPDQ_CENTRE = "vpdq-centre"
    VORB = "vorb"

    @property
    def is_video(self) -> bool:
        """Whether values of this kind are a video's frame hashes (vPDQ feature text)."""
        return self in (SignalKind.VPDQ, SignalKind.VPDQ_CROP, SignalKind.VPDQ_CENTRE)

    @property
    def is_local(self) -> bool:
        """Whether values of this kind are local-features records (partly invertible: they
        stay home unless exported on purpose)."""
        return self in (SignalKind.ORB, SignalKind.VORB)

    @property
    def is_pdq(self) -> bool:
        """Whether values of this kind are 256-bit PDQ hashes that the range index searches."""
        return self in (SignalKind.PDQ, SignalKind.PDQ_CROP)


_HEX_LENGTH = {
    SignalKind.PDQ: 64,
    SignalKind.MD5: 32,
    SignalKind.SHA256: 64,
    SignalKind.PDQ_CROP: 64,
}
# Sanity cap on a local-features record as text: 4,096 keypoints would be ~200 KB.
MAX_RECORD_TEXT = 256 * 1024
# Sanity cap on a vpdq value as text: about 90 characters a frame, 200,000 frames.
MAX_VIDEO_TEXT = 18 * 1024 * 1024
# Sanity cap on a vorb value as text: about 14 KB a representative frame, 5,000 frames.
MAX_VIDEO_RECORD_TEXT = 96 * 1024 * 1024


def _normalise_record(value: str, kind: SignalKind = SignalKind.ORB) -> str:
    text = "".join(value.split())
    cap = MAX_RECORD_TEXT if kind is SignalKind.ORB else MAX_VIDEO_RECORD_TEXT
    if len(text) > cap:
        raise ValueError(f"an {kind} record of {len(text):,} characters is over {cap:,}")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"an {kind} value must be base64 text") from None
    # Imported here: local.py needs numpy and OpenCV, and imports this module.
    if kind is SignalKind.ORB:
        from haechi.hashing.local import LocalFeatures

        LocalFeatures.from_bytes(raw)  # raises ValueError naming what is wrong
    else:
        from haechi.hashing.video_local import VideoFeatures

        VideoFeatures.from_bytes(raw)
    return base64.b64encode(raw).decode("ascii")


def normalise_value(kind: SignalKind, value: str) -> str:
    """Normalise and check a signal's value; raise ``ValueError`` naming what is wrong.

    Hex kinds are lower-cased; an ``orb`` record is base64 text that must parse; a ``vpdq``
    value is a vPDQ feature file that must parse, written back in its canonical form.
    """
    if kind.is_local:
        return _normalise_record(value, kind)
    if kind.is_video:
        return _video(value).to_vpdq()
    text = value.strip().lower()
    length = _HEX_LENGTH[kind]
    if not re.fullmatch(f"[0-9a-f]{{{length}}}", text):
        raise ValueError(f"{value!r} is not a {kind} value ({length} hex digits)")
    return text


def _video(value: str) -> VideoSignature:
    if len(value) > MAX_VIDEO_TEXT:
        raise ValueError(f"a vpdq value of {len(value):,} characters is over {MAX_VIDEO_TEXT:,}")
    # Imported here: video_format builds on PdqHash, defined below.
    from haechi.hashing.video_format import VideoSignature

    return VideoSignature.from_vpdq(value)


@dataclass(frozen=True)
class PdqHash:
    """A 256-bit PDQ hash with its quality (0-100)."""

    bits: bytes
    quality: int

    def __post_init__(self) -> None:
        if len(self.bits) != HASH_BYTES:
            raise ValueError(f"a PDQ hash has {HASH_BYTES} bytes, not {len(self.bits)}")

    @classmethod
    def from_hex(cls, value: str, quality: int) -> PdqHash:
        """Parse the 64-digit hex form (bit 255 first, as Meta's tools print it)."""
        return cls(bytes.fromhex(normalise_value(SignalKind.PDQ, value)), quality)

    @property
    def hex(self) -> str:
        """The 64-digit hex form."""
        return self.bits.hex()

    def reliable(self, min_quality: int = PDQ_RELIABLE_QUALITY) -> bool:
        """Whether the hash is good enough to match on."""
        return self.quality >= min_quality

    def distance(self, other: PdqHash) -> int:
        """Hamming distance in bits."""
        return (int.from_bytes(self.bits, "big") ^ int.from_bytes(other.bits, "big")).bit_count()

    def as_array(self) -> Hashes:
        """The hash as a ``(1, 32)`` uint8 array for the matching index."""
        return np.frombuffer(self.bits, dtype=np.uint8).reshape(1, HASH_BYTES).copy()


@dataclass(frozen=True)
class Signal:
    """One signal of a bank entry: a kind, a normalised value and, for PDQ kinds, the quality."""

    kind: SignalKind
    value: str
    quality: int | None = None

    @classmethod
    def parse(cls, kind: str, value: str, quality: int | None = None) -> Signal:
        """Validate a kind name and value from a file or a user; ``ValueError`` if wrong."""
        try:
            k = SignalKind(kind.strip().lower())
        except ValueError:
            names = ", ".join(k.value for k in SignalKind)
            raise ValueError(f"unknown signal kind {kind!r} (known: {names})") from None
        if k.is_pdq and quality is None:
            quality = 100
        return cls(k, normalise_value(k, value), quality)

    @classmethod
    def of_pdq(cls, pdq: PdqHash, kind: SignalKind = SignalKind.PDQ) -> Signal:
        """The signal form of a PDQ hash (of the whole picture, or of one crop)."""
        return cls(kind, pdq.hex, pdq.quality)

    @classmethod
    def of_record(cls, record: bytes, kind: SignalKind = SignalKind.ORB) -> Signal:
        """The signal form of a stored record: local features (see
        :mod:`haechi.hashing.local`) or a video's frame hashes (``vpdq``)."""
        if kind.is_video:
            from haechi.hashing.video_format import VideoSignature

            return cls(kind, VideoSignature.from_bytes(record).to_vpdq())
        if not kind.is_local:
            raise ValueError(f"a {kind} signal has no record")
        return cls(kind, base64.b64encode(record).decode("ascii"))

    @classmethod
    def of_video(cls, signature: VideoSignature, kind: SignalKind = SignalKind.VPDQ) -> Signal:
        """The signal form of a video's frame hashes (or of its frames' centre crops)."""
        return cls(kind, signature.to_vpdq())

    def record(self) -> bytes:
        """The bytes of an ``orb`` or ``vpdq`` signal's record; ``ValueError`` for others."""
        if self.kind.is_video:
            return _video(self.value).to_bytes()
        if not self.kind.is_local:
            raise ValueError(f"a {self.kind} signal has no record")
        return base64.b64decode(self.value)

    def video(self) -> VideoSignature:
        """The frame hashes of a ``vpdq`` signal; ``ValueError`` for other kinds."""
        if not self.kind.is_video:
            raise ValueError(f"a {self.kind} signal holds no video")
        return _video(self.value)
