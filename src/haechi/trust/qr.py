"""A photo of a QR code (a card, a flyer, a screenshot of a chat) read on the verify page.

Impersonators send pictures of cards, and a forged card's QR code may open a look-alike of
the verify page. So the page reads the code itself (OpenCV's detectors, on a copy shrunk to a
size any card photo fits in) and follows it only when it opens this organisation's own
verify page with a code; any other link is shown, not opened.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

from haechi.trust.config import TrustConfig
from haechi.trust.errors import TrustError

IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF")
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo; larger is refused (bombs)
_SIDE = 1600  # the longer side the copy is shrunk to before detection


class ForeignLink(TrustError):
    """The QR code opens something other than this organisation's verify page."""

    def __init__(self, link: str) -> None:
        super().__init__(f"this QR code does not open this organisation's verify page: {link}")
        self.link = link


def is_image(data: bytes) -> bool:
    """Whether ``data`` is a PNG, JPEG, GIF or WebP picture (by its first bytes)."""
    return data.startswith(IMAGE_MAGIC) and (not data.startswith(b"RIFF") or data[8:12] == b"WEBP")


def read_qr(data: bytes) -> str:
    """The text of the QR code in the picture; :class:`TrustError` when none can be read."""
    import cv2
    import numpy as np
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.width * picture.height > MAX_PIXELS:
                raise TrustError("the picture is too large (50 megapixels at most)")
            picture.draft("L", (_SIDE, _SIDE))  # JPEG: decode at a smaller scale at once
            gray = ImageOps.exif_transpose(picture).convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise TrustError("the picture cannot be read") from None
    gray.thumbnail((_SIDE, _SIDE))
    pixels = np.array(ImageOps.expand(gray, 32, fill=255))
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        try:
            text, _, _ = detector.detectAndDecode(pixels)
        except cv2.error:
            continue
        if text:
            return str(text)
    raise TrustError("no QR code could be read in the picture; type the code printed beside it")


def code_in_link(config: TrustConfig, link: str) -> str:
    """The verification code of a link to this organisation's verify page, else
    :class:`ForeignLink`."""
    ours, theirs = urlsplit(config.verify_link()), urlsplit(link.strip())
    codes = parse_qs(theirs.query).get("code", [])
    same_page = (theirs.scheme, theirs.netloc.lower(), theirs.path) == (
        ours.scheme,
        ours.netloc.lower(),
        ours.path,
    )
    if not same_page or len(codes) != 1:
        raise ForeignLink(link.strip()[:300])
    return codes[0]
