"""Hashing one media file: exact digests always, PDQ when the bytes decode as an image, the
PDQ of sampled frames (vPDQ, :mod:`haechi.hashing.video`) when they are a video's.

A scanned file is hashed as a *query*: PDQ of the whole image (and its eight rotations and
mirror images), of the picture inside flat borders (``content``) and inside caption bars or
screenshot chrome (``regions``), and ORB local features of its working view, which the matcher
aligns with a bank's and verifies on the pixels of that view (kept in memory, never stored).

A file registered in a bank is hashed *for the bank* (``register``): the PDQ hashes a bank
keeps (whole, unbordered, fixed crops) and one local-features record.

The result is a typed value with an outcome, never an exception for bad input, so a scan over
a million hostile files records why each one failed and carries on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from haechi.errors import MediaError, MediaTooLarge
from haechi.hashing.chrome import picture_box, unchromed
from haechi.hashing.crops import FULL_FRAME, Box, RegionHash, crop_hashes
from haechi.hashing.decode import DecodedImage, DecodeLimits, Pixels, decode_image
from haechi.hashing.local import (
    QUERY_KEYPOINTS,
    REGISTER_KEYPOINTS,
    LocalFeatures,
    local_features,
    working_view,
)
from haechi.hashing.normalise import unbordered
from haechi.hashing.pdq import pdq_dihedral, pdq_of_pixels
from haechi.hashing.signals import PdqHash, Signal, SignalKind
from haechi.hashing.video import VideoHashes, VideoOptions, hash_video, looks_like_video

_READ_CHUNK = 1 << 20
_HEAD = 512  # bytes that tell a video container from an image


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
    regions: tuple[PdqHash, ...] = field(default=())
    """Query variants: the picture inside caption bars or screenshot chrome."""
    crops: tuple[RegionHash, ...] = field(default=())
    """For a bank: PDQ of the fixed crops, and of the picture inside chrome if any."""
    features: LocalFeatures | None = None
    """ORB keypoints of the working view (for a bank, with the crops' hashes)."""
    view: Pixels | None = field(default=None, repr=False, compare=False)
    """A query's grey working view, for geometric verification in this process; never stored."""
    video: VideoHashes | None = None
    """A video's sampled frame hashes (``pdq`` and the image fields are then empty)."""
    orientation: int = 1
    """The image's EXIF orientation: a box found in its pixels is turned by it to lie where a
    viewer (and the review preview) shows that part."""

    def signals(self) -> list[Signal]:
        """The signals to register: PDQ of the image, of its unbordered picture and of its
        crops, the digests, and the local-features record."""
        pdqs = [self.pdq] if self.pdq is not None else []
        pdqs += [p for p in self.content[:1] if p != self.pdq]
        crops = [c.pdq for c in self.crops if c.pdq not in pdqs]
        digests = [Signal(SignalKind.MD5, self.md5), Signal(SignalKind.SHA256, self.sha256)]
        local = []
        if self.features is not None and len(self.features) > 0 and self.features.regions:
            local.append(Signal.of_record(self.features.to_bytes()))
        if self.video is not None and len(self.video.signature) > 0:
            local.append(Signal.of_video(self.video.signature))
            for name, kind in (("crop", SignalKind.VPDQ_CROP), ("centre", SignalKind.VPDQ_CENTRE)):
                variant = self.video.variants.get(name)
                if variant is not None and len(variant) > 0:
                    local.append(Signal.of_video(variant, kind))
            if self.video.features is not None and len(self.video.features) > 0:
                local.append(Signal.of_record(self.video.features.to_bytes(), SignalKind.VORB))
        return [
            *(Signal.of_pdq(p) for p in pdqs),
            *(Signal.of_pdq(p, SignalKind.PDQ_CROP) for p in crops),
            *digests,
            *local,
        ]


@dataclass(frozen=True)
class HashOptions:
    """How to hash: decoding caps, and the query variants a scan wants.

    ``dihedral`` adds the eight rotations and mirror images. ``content`` hashes the picture
    found inside uniform borders, if any (its eight variants with ``dihedral``): banks store it
    beside the whole image's hash, and scans match it as well. ``regions`` does the same for
    the picture inside caption bars and screenshot chrome, ``local`` takes ORB features and
    keeps the working view for verification. ``register`` hashes for a bank instead: the fixed
    crops and one local-features record, and no view.
    """

    max_file_bytes: int = 256 * 1024 * 1024
    max_video_bytes: int = 8 * 1024 * 1024 * 1024
    """Videos are read from disk as they decode, so their cap is higher than images'."""
    video: VideoOptions = field(default_factory=lambda: VideoOptions(local=True))
    """How to sample videos; a query keeps its frames' keypoints unless ``video.local`` is
    off (a scan turns it off when no registered video has any)."""
    limits: DecodeLimits = field(default_factory=DecodeLimits)
    dihedral: bool = False
    content: bool = True
    regions: bool = True
    local: bool = True
    register: bool = False


def hash_bytes(data: bytes, options: HashOptions | None = None) -> MediaHashes:
    """Hash file contents already in memory."""
    options = options or HashOptions()
    sha256 = hashlib.sha256(data).hexdigest()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    if looks_like_video(data[:_HEAD]):
        return _video_result(data, (sha256, md5, len(data)), options)
    try:
        decoded = decode_image(data, options.limits)
    except MediaError as exc:
        return MediaHashes(sha256, md5, len(data), Outcome.FAILED, error=str(exc))
    hashed = _hash_variants(options.dihedral)
    variants = hashed(decoded.pixels)
    inner = unbordered(decoded.pixels) if options.content else None
    content = hashed(inner) if inner is not None else []
    view: Pixels | None = None
    if options.register:
        crops, features = _for_bank(decoded, variants[0])
        regions: list[PdqHash] = []
    else:
        crops, features = (), None
        # One orientation only: local features find turned copies, at no extra hashing.
        chromeless = unchromed(decoded.pixels) if options.regions else None
        regions = [pdq_of_pixels(chromeless)] if chromeless is not None else []
        if options.local:
            view = working_view(decoded)
            features = local_features(view, QUERY_KEYPOINTS)
    return MediaHashes(
        sha256,
        md5,
        len(data),
        Outcome.OK,
        variants[0],
        tuple(variants) if options.dihedral else (),
        tuple(content),
        decoded.format,
        regions=tuple(regions),
        crops=crops,
        features=features,
        view=view,
        orientation=decoded.orientation,
    )


def _hash_variants(dihedral: bool) -> Callable[[Pixels], list[PdqHash]]:
    def hashed(region: Pixels) -> list[PdqHash]:
        return pdq_dihedral(region) if dihedral else [pdq_of_pixels(region)]

    return hashed


def _for_bank(
    decoded: DecodedImage, whole: PdqHash
) -> tuple[tuple[RegionHash, ...], LocalFeatures]:
    """The fixed crops' hashes, the picture inside chrome if any, and the features record.

    The chrome box is found on the bank's side too, as flat borders are: a picture whose own
    top rows are dark sky loses them on both sides, so both sides hash the same rectangle.
    """
    crops = crop_hashes(decoded.pixels)
    h, w = decoded.pixels.shape[:2]
    box = picture_box(decoded.pixels)
    if box is not None:
        left, top, right, bottom = box
        fraction: Box = (
            round(left / w, 3),
            round(top / h, 3),
            round(right / w, 3),
            round(bottom / h, 3),
        )
        inner = decoded.pixels[top:bottom, left:right]
        crops += (RegionHash(fraction, pdq_of_pixels(inner)),)
    verify = (RegionHash(FULL_FRAME, whole), *crops)
    features = local_features(working_view(decoded), REGISTER_KEYPOINTS, verify)
    return crops, features


def digest_file(path: Path) -> tuple[str, str, int]:
    """SHA-256, MD5 and size of a file, streamed so any size works."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    with path.open("rb") as f:
        while chunk := f.read(_READ_CHUNK):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), md5.hexdigest(), size


def _video_result(
    source: Path | bytes, digests: tuple[str, str, int], options: HashOptions
) -> MediaHashes:
    sha256, md5, size = digests
    try:
        # A scan's query (``dihedral``) also looks for turned, mirrored, letterboxed and
        # captioned copies, and keeps keypoints of its frames, as it does for images; a bank
        # keeps each frame's centre crops, and crops and keypoints of representative frames.
        query = options.dihedral and not options.register
        video = hash_video(
            source,
            replace(
                options.video,
                mirror=query,
                dihedral=query,
                content=query,
                regions=query and options.regions,
                local=query and options.video.local,
                crop=options.register,
                centre=query or options.register,
                key_frames=options.register,
            ),
        )
    except MediaError as exc:
        return MediaHashes(sha256, md5, size, Outcome.FAILED, error=str(exc))
    return MediaHashes(sha256, md5, size, Outcome.OK, media_format=video.container, video=video)


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(_HEAD)


def hash_file(path: Path, options: HashOptions | None = None) -> MediaHashes:
    """Hash a file on disk; unreadable or oversized files give a FAILED result, not an error."""
    options = options or HashOptions()
    try:
        if looks_like_video(_head(path)):
            # Decoded straight from the file: a video is never read into memory whole.
            digests = digest_file(path)
            if digests[2] > options.max_video_bytes:
                reason = MediaTooLarge(
                    f"video of {digests[2]:,} bytes is over the cap of "
                    f"{options.max_video_bytes:,}; only exact digests were taken"
                )
                return MediaHashes(*digests, Outcome.FAILED, error=str(reason))
            return _video_result(path, digests, options)
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
