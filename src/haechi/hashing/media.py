"""Hashing one media file: exact digests always, PDQ when the bytes decode as an image.

The result is a typed value with an outcome, never an exception for bad input, so a scan over
a million hostile files records why each one failed and carries on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from haechi.errors import MediaError, MediaTooLarge
from haechi.hashing.decode import DecodeLimits, decode_image
from haechi.hashing.normalise import unbordered
from haechi.hashing.pdq import pdq_dihedral, pdq_of_pixels
from haechi.hashing.signals import PdqHash, Signal, SignalKind

_READ_CHUNK = 1 << 20


class Outcome(StrEnum):
    """What happened to one file."""

    OK = "ok"
    FAILED = "failed"


@dataclass(frozen=True)
class MediaHashes:
    """Every signal of one file, and why PDQ is missing when it is."""

    sha256: str
    md5: str
    size: int
    outcome: Outcome
    pdq: PdqHash | None = None
    dihedral: tuple[PdqHash, ...] = field(default=())
    content: tuple[PdqHash, ...] = field(default=())
    media_format: str | None = None
    error: str | None = None

    def signals(self) -> list[Signal]:
        """The signals to register: PDQ of the image and of its unbordered picture, digests."""
        pdqs = [self.pdq] if self.pdq is not None else []
        pdqs += [p for p in self.content[:1] if p != self.pdq]
        digests = [Signal(SignalKind.MD5, self.md5), Signal(SignalKind.SHA256, self.sha256)]
        return [*(Signal.of_pdq(p) for p in pdqs), *digests]


@dataclass(frozen=True)
class HashOptions:
    """How to hash: decoding caps, and the query variants a scan wants.

    ``dihedral`` adds the eight rotations and mirror images. ``content`` hashes the picture
    found inside uniform borders, if any (its eight variants with ``dihedral``): banks store it
    beside the whole image's hash, and scans match it as well.
    """

    max_file_bytes: int = 256 * 1024 * 1024
    limits: DecodeLimits = field(default_factory=DecodeLimits)
    dihedral: bool = False
    content: bool = True


def hash_bytes(data: bytes, options: HashOptions | None = None) -> MediaHashes:
    """Hash file contents already in memory."""
    options = options or HashOptions()
    sha256 = hashlib.sha256(data).hexdigest()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    try:
        decoded = decode_image(data, options.limits)
    except MediaError as exc:
        return MediaHashes(sha256, md5, len(data), Outcome.FAILED, error=str(exc))
    variants = pdq_dihedral(decoded.pixels) if options.dihedral else [pdq_of_pixels(decoded.pixels)]
    inner = unbordered(decoded.pixels) if options.content else None
    content: list[PdqHash] = []
    if inner is not None:
        content = pdq_dihedral(inner) if options.dihedral else [pdq_of_pixels(inner)]
    return MediaHashes(
        sha256,
        md5,
        len(data),
        Outcome.OK,
        variants[0],
        tuple(variants) if options.dihedral else (),
        tuple(content),
        decoded.format,
    )


def digest_file(path: Path) -> tuple[str, str, int]:
    """SHA-256, MD5 and size of a file, streamed so any size works."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with path.open("rb") as f:
        while chunk := f.read(_READ_CHUNK):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), md5.hexdigest(), size


def hash_file(path: Path, options: HashOptions | None = None) -> MediaHashes:
    """Hash a file on disk; unreadable or oversized files give a FAILED result, not an error."""
    options = options or HashOptions()
    try:
        size = path.stat().st_size
        if size > options.max_file_bytes:
            sha256, md5, size = digest_file(path)
            reason = MediaTooLarge(
                f"file of {size:,} bytes is over the cap of {options.max_file_bytes:,}; "
                "only exact digests were taken"
            )
            return MediaHashes(sha256, md5, size, Outcome.FAILED, error=str(reason))
        data = path.read_bytes()
    except OSError as exc:
        raise MediaError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    return hash_bytes(data, options)
