"""Link extraction from HTML, including the markup abuse sites actually use, and hostile junk."""

from __future__ import annotations

import random
import time

import pytest

from haechi.sources.html import css_urls, decode_html, extract_links, parse_srcset

BASE = "https://site.example/dir/page.html"


def test_every_media_reference_is_found() -> None:
    html = """<html><head>
    <meta property="og:image" content="/og.jpg">
    <style>.hero { background-image: url('/css/hero.png') } @font-face { src: url(f.woff2) }
    .b { background: #000 url("bg2.webp") no-repeat }</style>
    <link rel="image_src" href="/linked.jpg">
    </head><body background="/body-bg.gif">
    <img src="a.jpg" srcset="a-2x.jpg 2x, /a-3x.jpg 3x">
    <img data-src="lazy.png" src="data:image/gif;base64,R0lGOD">
    <img data-srcset="lazy-1.jpg 100w, lazy-2.jpg 200w">
    <picture><source srcset="pic.webp 1x, pic@2x.webp 2x" type="image/webp">
    <img src="pic.jpg"></picture>
    <video src="/v/clip.mp4" poster="/v/poster.jpg"><source src="/v/clip.webm"></video>
    <div style="background: url(/div-bg.jpg)">x</div>
    <a href="full.jpeg#zoom">full</a> <a href="next.html">next</a> <a href="/other/">other</a>
    <a href="mailto:x@y">mail</a> <a href="javascript:void(0)">js</a>
    <iframe src="/frame.html"></iframe>
    </body></html>"""
    links = extract_links(html, BASE)
    d = "https://site.example/dir/"
    r = "https://site.example/"
    assert set(links.media) == {
        r + "og.jpg", r + "css/hero.png", d + "bg2.webp", r + "linked.jpg", r + "body-bg.gif",
        d + "a.jpg", d + "a-2x.jpg", r + "a-3x.jpg", d + "lazy.png", d + "lazy-1.jpg",
        d + "lazy-2.jpg", d + "pic.webp", d + "pic@2x.webp", d + "pic.jpg", r + "v/clip.mp4",
        r + "v/poster.jpg", r + "v/clip.webm", r + "div-bg.jpg", d + "full.jpeg",
    }  # fmt: skip
    assert set(links.pages) == {d + "next.html", r + "other/", r + "frame.html"}
    assert not links.truncated


def test_base_href_is_honoured() -> None:
    links = extract_links('<base href="https://cdn.example/x/"><img src="i.png">', BASE)
    assert links.media == ("https://cdn.example/x/i.png",)


@pytest.mark.parametrize(
    ("value", "urls"),
    [
        ("a.jpg", ["a.jpg"]),
        ("a.jpg 1x, b.jpg 2x", ["a.jpg", "b.jpg"]),
        ("a.jpg 100w,b.jpg 200w", ["a.jpg", "b.jpg"]),
        ("img,1.jpg 1x, img,2.jpg 2x", ["img,1.jpg", "img,2.jpg"]),
        ("  , a.jpg,  b.jpg  ", ["a.jpg", "b.jpg"]),
        ("", []),
    ],
)
def test_srcset(value: str, urls: list[str]) -> None:
    assert parse_srcset(value) == urls


def test_css_urls() -> None:
    css = "a{background:url( 'x.png' )} b{background:url(\"y.jpg\")} c{background:url(z.gif)}"
    assert css_urls(css) == ["x.png", "y.jpg", "z.gif"]


def test_charset_from_header_meta_and_fallback() -> None:
    euc = "<p>사진</p>".encode("euc-kr")
    assert "사진" in decode_html(euc, "text/html; charset=euc-kr")
    assert "사진" in decode_html(b'<meta charset="euc-kr">' + euc, None)
    assert decode_html(b"\xff\xfe\x00junk", "text/html; charset=no-such-codec")


def hostile_pages() -> list[str]:
    rng = random.Random(7)
    junk = bytes(rng.getrandbits(8) for _ in range(200_000)).decode("latin-1")
    return [
        junk,
        "<img " + " ".join(f'a{i}="{i}"' for i in range(50_000)) + ' src="x.jpg">',
        "<div>" * 20_000 + "<img src=deep.png>",
        "<img src=" + "a" * 1_000_000 + ">",
        '<img srcset="' + ", ".join(f"i{i}.jpg {i}w" for i in range(30_000)) + '">',
        "<![if !IE]><img src=ie.png><![endif]><!DOCTYPE x [ <!ENTITY a 'b'> ]>",
        "<!-- unclosed comment " + "x" * 100_000,
        "<a href='" + "%" * 10_000 + "'>",
        "<img src='http://[::1'><a href='http://[bad'>x</a><img src='https://ok.example/i.png'>",
        "<style>" + "url(" * 50_000 + "</style>",
        "<script>document.write('<img src=evil.png>')</script>",
        "\x00" * 100_000 + "<img src=after-nul.jpg>",
    ]


@pytest.mark.parametrize("html", hostile_pages())
def test_hostile_html_does_not_crash_or_hang(html: str) -> None:
    start = time.perf_counter()
    links = extract_links(html, BASE)
    assert time.perf_counter() - start < 5
    assert len(links.media) + len(links.pages) <= 10_000
    assert all(u.startswith("https://") for u in links.media + links.pages)


def test_link_count_is_capped() -> None:
    html = "".join(f"<img src=i{i}.png>" for i in range(100))
    links = extract_links(html, BASE, max_links=10)
    assert len(links.media) == 10 and links.truncated


def test_css_pathological_inputs_are_linear() -> None:
    for css in ('url("' * 60_000, "url('" * 60_000, "url(" * 60_000, "url(a" * 60_000):
        start = time.perf_counter()
        css_urls(css)
        assert time.perf_counter() - start < 1
