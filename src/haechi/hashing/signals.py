"""Signals: what haechi keeps of a piece of content instead of the content itself.

A signal is a kind (``pdq``, ``md5``, ``sha256``) and a value. PDQ values carry their quality,
because a hash of a flat or tiny image is not reliable: such a hash is kept, flagged by
:attr:`PdqHash.reliable`, and not matched by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from haechi.index.base import HASH_BYTES, Hashes

PDQ_RELIABLE_QUALITY = 50


class SignalKind(StrEnum):
    """Stable short names, used as keys in the database, files, the CLI and the API."""

    PDQ = "pdq"
    MD5 = "md5"
    SHA256 = "sha256"


_HEX_LENGTH = {SignalKind.PDQ: 64, SignalKind.MD5: 32, SignalKind.SHA256: 64}


def normalise_value(kind: SignalKind, value: str) -> str:
    """Lower-case and check a signal's hex value; raise ``ValueError`` naming what is wrong."""
    text = value.strip().lower()
    length = _HEX_LENGTH[kind]
    if not re.fullmatch(f"[0-9a-f]{{{length}}}", text):
        raise ValueError(f"{value!r} is not a {kind} value ({length} hex digits)")
    return text


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
    """One signal of a bank entry: a kind, a normalised hex value and, for PDQ, the quality."""

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
        if k is SignalKind.PDQ and quality is None:
            quality = 100
        return cls(k, normalise_value(k, value), quality)

    @classmethod
    def of_pdq(cls, pdq: PdqHash) -> Signal:
        """The signal form of a PDQ hash."""
        return cls(SignalKind.PDQ, pdq.hex, pdq.quality)
