"""A page's declared encoding is hostile input: no codec name can stop a crawl or hide a link."""

from __future__ import annotations

import pytest

from haechi.sources.charset import declared_codecs, decode_html, html_readings, text_codec
from haechi.sources.records import Media, MediaFailure
from haechi.sources.safety import FetchPolicy
from haechi.sources.web import WebSource
from tests.sources.sitekit import Route, Site, image_bytes

# Every one of these is a name Python's codec registry answers to, and none is a web encoding:
# some raise on any body, one is quadratic, some are not text codecs, some turn bytes into markup.
HOSTILE = [
    "idna",
    "punycode",
    "undefined",
    "rot13",
    "rot_13",
    "base64",
    "base64_codec",
    "hex",
    "zlib",
    "bz2",
    "uu",
    "quopri",
    "utf-7",
    "unicode_escape",
    "raw_unicode_escape",
    "no-such-codec",
    "a:b",
]
BODY = b'<p>\xc2\xa0caf\xc3\xa9 +ADw-script+AD4- \\x41</p><img src="/i.png">'


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_codec_in_the_header_falls_back_to_utf8(name: str) -> None:
    assert text_codec(name) is None
    text = decode_html(BODY, f"text/html; charset={name}")
    assert text == BODY.decode("utf-8")


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_codec_in_meta_falls_back_to_utf8(name: str) -> None:
    body = f'<meta charset="{name}">'.encode() + BODY
    assert decode_html(body) == body.decode("utf-8")
    assert decode_html(
        f"<meta http-equiv=content-type content='text/html; charset={name}'>".encode()
    )


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_header_does_not_hide_a_good_meta(name: str) -> None:
    korean = "<p>사진</p>".encode("euc-kr")
    assert "사진" in decode_html(b'<meta charset="euc-kr">' + korean, f"text/html; charset={name}")


def test_the_byte_order_mark_wins_and_is_dropped() -> None:
    page = "<p>사진</p>"
    assert decode_html(b"\xef\xbb\xbf" + page.encode(), "text/html; charset=idna") == page
    assert decode_html(b"\xff\xfe" + page.encode("utf-16-le"), "text/html; charset=euc-kr") == page
    assert decode_html(b"\xfe\xff" + page.encode("utf-16-be")) == page


def test_meta_utf16_means_utf8_and_euc_kr_reads_as_its_superset() -> None:
    assert declared_codecs(b'<meta charset="utf-16">x') == ["utf-8"]
    assert text_codec("euc-kr") == "cp949"
    # a character only in the cp949 extension, on a page labelled euc-kr (common in Korea)
    assert "똠" in decode_html("똠".encode("cp949"), "text/html; charset=euc-kr")


def test_good_codecs_still_decode() -> None:
    assert text_codec("UTF-8") == "utf-8"
    assert text_codec("latin1") == "iso8859-1"
    assert text_codec("shift_jis") == "shift_jis"
    assert decode_html("ü".encode("latin-1"), "text/html; charset=ISO-8859-1") == "ü"


# Real text codecs that turn an ASCII page into other letters: browsers show garbage too, but a
# page made for a scanner may declare them, so the UTF-8 reading is searched as well.
NOT_ASCII = ["utf-16", "utf-16-be", "utf-32", "cp037", "cp500", "cp1026"]


@pytest.mark.parametrize("name", NOT_ASCII)
def test_a_codec_that_is_not_ascii_compatible_hides_no_link(name: str) -> None:
    body = b'<img src="/i.png">'
    readings = html_readings(body, f"text/html; charset={name}")
    assert body.decode() in readings and len(readings) == 2
    assert html_readings(body, "text/html; charset=euc-kr") == [body.decode()]


def test_a_crawl_over_hostile_charsets_finds_every_image(site: Site, policy: FetchPolicy) -> None:
    links = []
    for n, name in enumerate(HOSTILE + NOT_ASCII):
        png = image_bytes(n)
        site.image(f"/m/{n}.png", png)
        meta = f'<meta charset="{name}">'.encode()
        site.routes[f"/meta/{n}"] = Route(meta + f'<img src="/m/{n}.png">'.encode())
        site.routes[f"/header/{n}"] = Route(
            f'<img src="/m/{n}.png">'.encode(), content_type=f"text/html; charset={name}"
        )
        links.append(f'<a href="/meta/{n}">m</a><a href="/header/{n}">h</a>')
    site.routes["/"] = Route(
        b'<meta charset="idna">' + "".join(links).encode(), content_type="text/html; charset=idna"
    )
    items = list(WebSource([site.url("/")], policy=policy).iter_sync())
    assert not [i for i in items if isinstance(i, MediaFailure)]
    found = {i.url for i in items if isinstance(i, Media)}
    assert found == {site.url(f"/m/{n}.png") for n in range(len(HOSTILE + NOT_ASCII))}
