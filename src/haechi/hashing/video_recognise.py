"""Whether a file is a video, by its first bytes (never its name)."""

from __future__ import annotations

_HEIF_BRANDS = (
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"mif1",
    b"msf1",
    b"hevc",
    b"avif",
    b"avis",
)


def looks_like_video(head: bytes) -> bool:
    """Whether a file's first bytes are those of a video container (never its name).

    MP4/MOV/3GP (ISO BMFF, but not HEIF/AVIF stills), WebM/Matroska, AVI, MPEG program and
    transport streams, FLV, ASF/WMV and Ogg.
    """
    if head[4:8] == b"ftyp":
        return head[8:12] not in _HEIF_BRANDS
    if len(head) >= 8 and head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return True
    if head.startswith((b"\x1a\x45\xdf\xa3", b"FLV\x01", b"OggS", b"\x00\x00\x01\xba")):
        return True
    if head.startswith((b"\x00\x00\x01\xb3", b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")):
        return True
    # MPEG transport stream: a sync byte every 188 bytes.
    return len(head) >= 377 and head[0] == head[188] == head[376] == 0x47
