"""What a file is, from its first bytes: never from its name or the server's Content-Type.

Hostile hosts serve images as ``.txt`` or ``application/octet-stream`` and HTML error pages as
``.jpg``; uploaders rename videos. Only the magic bytes decide whether something is media
haechi should hash.
"""

from __future__ import annotations

from pathlib import Path

from haechi.sources.paths import open_regular

SNIFF_BYTES = 64

_IMAGE = "image"
_VIDEO = "video"


def sniff(head: bytes) -> str | None:
    """The MIME type of an image or video from its first bytes, or ``None`` if it is neither.

    Knows JPEG, PNG, GIF, WebP, BMP, TIFF, HEIF/AVIF, MP4/MOV/3GP (ISO BMFF), WebM/Matroska,
    AVI, MPEG, FLV and ASF/WMV.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\0\0\0\0":
        return "image/bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc"):
            return "image/heif"
        if brand in (b"avif", b"avis"):
            return "image/avif"
        if brand.startswith(b"qt"):
            return "video/quicktime"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        return "video/mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip") and len(head) >= 8:
        return "video/quicktime"  # old QuickTime files without an ftyp box
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:SNIFF_BYTES] else "video/x-matroska"
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return "video/mpeg"
    if head.startswith(b"FLV\x01"):
        return "video/x-flv"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "video/x-ms-asf"
    return None


def sniff_file(path: Path) -> str | None:
    """:func:`sniff` on the first bytes of a file (``None`` if it cannot be read or is a FIFO)."""
    try:
        with open_regular(path) as handle:
            return sniff(handle.read(SNIFF_BYTES))
    except OSError:
        return None


def is_image(media_type: str | None) -> bool:
    """Whether a sniffed type is a still image."""
    return media_type is not None and media_type.startswith(_IMAGE + "/")


def is_video(media_type: str | None) -> bool:
    """Whether a sniffed type is a video."""
    return media_type is not None and media_type.startswith(_VIDEO + "/")


def looks_like_html(head: bytes, content_type: str | None) -> bool:
    """Whether a body should be parsed as HTML: declared so, or starting like markup."""
    if content_type and "html" in content_type.lower():
        return True
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<meta"))
