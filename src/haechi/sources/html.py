"""Finding media and page links in HTML that may be hostile, without running any of it.

Sites that host abuse material are built to resist takedown: lazy-loaded images behind
``data-src``, ``srcset`` candidates, CSS backgrounds, broken or deliberately malformed markup.
The extractor reads all of those with the standard library's forgiving ``html.parser``, which
never executes scripts, never fetches anything and never raises on bad markup in a way that
escapes this module. Work per page is bounded: attributes per tag, links per page, and the
length of a URL are capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from posixpath import splitext
from urllib.parse import urldefrag, urljoin, urlsplit

from haechi.sources.charset import decode_html as decode_html  # re-exported: its old home

MEDIA_EXTENSIONS = frozenset(
    {
        *(".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"),
        *(".heic", ".avif", ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".3gp", ".mpg"),
        *(".mpeg", ".wmv", ".flv"),
    }
)
# Extensions that are never media, so url() values in CSS pointing at them are not fetched.
_NOT_MEDIA = frozenset(
    {".css", ".js", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".svg", ".svgz", ".ico"}
)

MAX_URL_LENGTH = 4096
MAX_ATTRIBUTES = 256
MAX_LINKS = 10_000

# No parentheses inside the URL: keeps matching linear on hostile CSS like "url(url(url(...".
_CSS_URL = re.compile(
    r"""url\(\s*(?:"([^"()\n]{1,4096})"|'([^'()\n]{1,4096})'|([^()'"\s]{1,4096}))\s*\)"""
)
_LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-url", "data-lazy")
_LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
_MEDIA_META = frozenset(
    {"og:image", "og:image:url", "og:image:secure_url", "og:video", "og:video:url",
     "og:video:secure_url", "twitter:image", "twitter:image:src", "twitter:player:stream"}
)  # fmt: skip


@dataclass(frozen=True)
class PageLinks:
    """Absolute http(s) URLs found on one page, in document order, without duplicates."""

    pages: tuple[str, ...]
    media: tuple[str, ...]
    truncated: bool = False


def parse_srcset(value: str) -> list[str]:
    """The URLs of a ``srcset`` value (WHATWG candidate parsing: commas may sit inside URLs)."""
    urls: list[str] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and (value[i].isspace() or value[i] == ","):
            i += 1
        start = i
        while i < n and not value[i].isspace():
            i += 1
        url = value[start:i]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            depth = 0  # skip descriptors up to the next comma outside parentheses
            while i < n and (value[i] != "," or depth > 0):
                depth += value[i] == "("
                depth -= value[i] == ")" and depth > 0
                i += 1
        if url:
            urls.append(url)
    return urls


def css_urls(css: str) -> list[str]:
    """The ``url(...)`` values in a piece of CSS (a ``style`` attribute or ``<style>`` block)."""
    return [next(g for g in m.groups() if g is not None) for m in _CSS_URL.finditer(css)]


def is_media_url(url: str) -> bool:
    """Whether a URL's path ends in a known image or video file extension."""
    try:
        return splitext(urlsplit(url).path.lower())[1] in MEDIA_EXTENSIONS
    except ValueError:
        return False


class _LinkParser(HTMLParser):
    def __init__(self, base_url: str, max_links: int) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base_url
        self.max_links = max_links
        self.pages: dict[str, None] = {}
        self.media: dict[str, None] = {}
        self.truncated = False
        self._base_set = False
        self._in_style = False

    def _absolute(self, raw: str) -> str | None:
        raw = raw.strip()
        if not raw or len(raw) > MAX_URL_LENGTH or raw.startswith(("data:", "javascript:")):
            return None
        try:
            url = urldefrag(urljoin(self.base, raw)).url
            scheme = urlsplit(url).scheme
        except ValueError:
            return None
        return url if scheme in ("http", "https") else None

    def _add(self, bucket: dict[str, None], raw: str | None) -> None:
        if raw is None:
            return
        if len(self.pages) + len(self.media) >= self.max_links:
            self.truncated = True
            return
        url = self._absolute(raw)
        if url is not None:
            bucket[url] = None

    def _media(self, raw: str | None) -> None:
        self._add(self.media, raw)

    def _css(self, css: str) -> None:
        for raw in css_urls(css):
            try:
                ext = splitext(urlsplit(raw.strip()).path.lower())[1]
            except ValueError:
                continue
            if ext not in _NOT_MEDIA:
                self._media(raw)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a: dict[str, str] = {}
        for name, value in attrs[:MAX_ATTRIBUTES]:
            if value is not None and name not in a:
                a[name] = value
        if tag == "base" and not self._base_set and "href" in a:
            url = self._absolute(a["href"])
            if url is not None:
                self.base = url
                self._base_set = True
        elif tag in ("img", "source", "video", "image", "input"):
            if tag != "input" or a.get("type", "").lower() == "image":
                self._media(a.get("src"))
            self._media(a.get("poster"))
            self._media(a.get("href") if tag == "image" else None)
            self._media(a.get("xlink:href") if tag == "image" else None)
            for name in _LAZY_SRC:
                self._media(a.get(name))
            for name in ("srcset", *_LAZY_SRCSET):
                if name in a:
                    for url in parse_srcset(a[name]):
                        self._media(url)
        elif tag in ("a", "area"):
            href = a.get("href")
            if href is not None:
                self._add(self.media if is_media_url(href.strip()) else self.pages, href)
        elif tag in ("iframe", "frame"):
            self._add(self.pages, a.get("src"))
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            if key in _MEDIA_META:
                self._media(a.get("content"))
        elif tag == "link" and a.get("rel", "").lower() in ("image_src", "preload"):
            if a.get("rel", "").lower() == "image_src" or a.get("as", "").lower() == "image":
                self._media(a.get("href"))
        elif tag == "style":
            self._in_style = True
        if "style" in a:
            self._css(a["style"])
        if "background" in a:  # the old <body background=...> and <td background=...>
            self._media(a["background"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)


def extract_links(html: str, base_url: str, *, max_links: int = MAX_LINKS) -> PageLinks:
    """Media and page links of one HTML document, resolved against ``base_url`` (or ``<base>``).

    Never raises on bad markup: whatever was found before a parser error is returned, and the
    result is marked ``truncated``.
    """
    parser = _LinkParser(base_url, max_links)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser may assert on some malformed declarations; keep what we have
        parser.truncated = True
    return PageLinks(tuple(parser.pages), tuple(parser.media), parser.truncated)
