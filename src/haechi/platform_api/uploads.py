"""Images sent by platforms that cannot hash: hashed in memory, the bytes dropped at once.

The body is read under a byte cap (a ``Content-Length`` over it is refused before reading),
decoded under a pixel cap (a decompression bomb is refused before its pixels exist), hashed
(PDQ in its eight variants from the pixels, MD5, SHA-256), and the bytes are never written
anywhere or logged.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from haechi.errors import MediaTooLarge, UnsupportedMedia
from haechi.hashing.decode import DecodeLimits, decode_image
from haechi.hashing.pdq import pdq_dihedral
from haechi.platform_api.errors import BadSignal, TooLarge

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_PIXELS = 50_000_000


class Undecodable(BadSignal):
    """Bytes that are not an image haechi can decode."""

    status = 422


@dataclass(frozen=True)
class UploadHashes:
    """The hashes of one uploaded image; the image itself is gone."""

    pdq: tuple[str, ...]  # the original first, then its seven turns and mirror images
    quality: int
    md5: str
    sha256: str


async def read_capped(
    chunks: AsyncIterator[bytes], declared: str | None, cap: int = MAX_UPLOAD_BYTES
) -> bytes:
    """The body, refused with :class:`TooLarge` once it passes ``cap`` bytes."""
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"an upload is at most {cap // (1024 * 1024)} MB")
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > cap:
            raise TooLarge(f"an upload is at most {cap // (1024 * 1024)} MB")
    return bytes(body)


def hash_image(data: bytes, max_pixels: int = MAX_UPLOAD_PIXELS) -> UploadHashes:
    """Hash image bytes in memory: PDQ (eight variants), MD5, SHA-256."""
    if not data:
        raise Undecodable("the upload is empty")
    try:
        decoded = decode_image(data, DecodeLimits(max_pixels=max_pixels))
    except MediaTooLarge as exc:
        raise TooLarge(str(exc)) from None
    except UnsupportedMedia as exc:
        raise Undecodable(str(exc)) from None
    variants = pdq_dihedral(decoded.pixels)
    return UploadHashes(
        tuple(v.hex for v in variants),
        variants[0].quality,
        hashlib.md5(data, usedforsecurity=False).hexdigest(),
        hashlib.sha256(data).hexdigest(),
    )
