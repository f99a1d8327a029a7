"""Choosing the text encoding of a page that may be hostile.

A page names its own encoding (a byte-order mark, the ``Content-Type`` header, ``<meta
charset>``), and a perpetrator controls all three. Python's codec registry answers to far more
names than real text encodings: ``idna`` and ``undefined`` raise on any body, ``punycode`` is
quadratic, ``rot13`` and ``base64`` are not text codecs at all, ``utf-7`` and the escape codecs
turn harmless bytes into markup. So a declared name is used only when it is a real text
encoding that browsers also accept; anything else, and any decode that raises, falls back to
UTF-8 with replacement characters. Decoding never raises.
"""

from __future__ import annotations

import codecs
import re

# Text codecs that are not web encodings: they raise, are slow on hostile input, or decode
# innocuous bytes into markup (the WHATWG Encoding Standard maps none of them).
_REFUSED = frozenset(
    {"idna", "punycode", "undefined", "utf-7", "unicode-escape", "raw-unicode-escape"}
)
# A <meta> tag is read as ASCII, so a page that declares UTF-16 there is not UTF-16 (WHATWG).
_META_UTF16 = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
# Labels browsers read as a superset, so that mislabelled Korean pages still decode.
_SUPERSETS = {"euc_kr": "cp949"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_PROBE = '<a href="/x">'
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", re.I)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I
)


def text_codec(label: str, *, from_meta: bool = False) -> str | None:
    """The codec name to decode with for a declared ``label``, or ``None`` to ignore it.

    Only real text encodings are accepted (``CodecInfo._is_text_encoding``), never the
    refused ones; a ``<meta>`` declaration of UTF-16/32 means UTF-8, as in browsers.
    """
    try:
        info = codecs.lookup(label)
    except Exception:  # LookupError, or whatever a third-party search function raises
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None
    if from_meta and info.name in _META_UTF16:
        return "utf-8"
    return _SUPERSETS.get(info.name, info.name)


def declared_codecs(body: bytes, content_type: str | None = None) -> list[str]:
    """The usable codecs a page declares, strongest first: BOM, header, then ``<meta>``."""
    names: list[str] = [name for bom, name in _BOMS if body.startswith(bom)][:1]
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            names.append(text_codec(match.group(1)) or "")
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        names.append(text_codec(meta.group(1).decode("ascii"), from_meta=True) or "")
    return [name for name in dict.fromkeys(names) if name]


def _decoded(body: bytes, content_type: str | None) -> tuple[str, str]:
    for name in declared_codecs(body, content_type):
        bom = next((b for b, n in _BOMS if n == name and body.startswith(b)), b"")
        try:
            return body[len(bom) :].decode(name, errors="replace"), name
        except Exception:  # a codec that raises even with errors="replace": try the next one
            continue
    return body.decode("utf-8", errors="replace"), "utf-8"


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML body using its BOM, then the header charset, then ``<meta>``, then UTF-8.

    Undecodable bytes become U+FFFD; a page of binary junk decodes to junk text, not an error.
    """
    return _decoded(body, content_type)[0]


def _ascii_compatible(codec: str) -> bool:
    try:
        return _PROBE.encode(codec) == _PROBE.encode("ascii")
    except Exception:
        return False


def html_readings(body: bytes, content_type: str | None = None) -> list[str]:
    """The page as text to look for links in: as declared, and as UTF-8 if that could differ.

    A header that calls an ASCII page UTF-16 turns every tag into CJK text. Browsers show the
    same garbage, but the page may be made for a scanner, not a browser, so when the declared
    codec does not keep ASCII as ASCII (UTF-16, UTF-32) the UTF-8 reading is searched too, and
    no label can hide a link.
    """
    text, codec = _decoded(body, content_type)
    if _ascii_compatible(codec):
        return [text]
    return [text, body.decode("utf-8", errors="replace")]
