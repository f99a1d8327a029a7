"""The web source crawling generated sites on a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from haechi.sources.crawl import CrawlLimits
from haechi.sources.records import (
    FailureReason,
    Item,
    Media,
    MediaFailure,
    MediaSkipped,
    SkipReason,
)
from haechi.sources.safety import FetchPolicy
from haechi.sources.validators import InMemoryValidatorCache, JsonFileValidatorCache
from haechi.sources.web import WebSource
from tests.sources.sitekit import Route, Site, gzip_bomb, image_bytes


def media(items: list[Item]) -> dict[str, Media]:
    return {i.url: i for i in items if isinstance(i, Media) and i.url}


def failures(items: list[Item]) -> dict[str, MediaFailure]:
    return {i.url: i for i in items if isinstance(i, MediaFailure) and i.url}


def skips(items: list[Item]) -> list[MediaSkipped]:
    return [i for i in items if isinstance(i, MediaSkipped)]


def build_site(site: Site) -> dict[str, bytes]:
    imgs = {f"/img/{n}.png": image_bytes(n) for n in range(1, 14) if n != 3}
    imgs["/img/3.jpg"] = image_bytes(3, "JPEG")
    for path, data in imgs.items():
        site.image(path, data, content_type="text/plain" if path == "/img/3.jpg" else "image/png")
    site.redirect("/img/redir.png", "/img/9.png")
    site.redirect("/img/evil.png", "http://169.254.169.254/latest/meta-data/")
    site.page("/img/soft404.png", "<html><body>not here</body></html>")
    site.routes["/notes.txt"] = Route(b"just text", content_type="text/plain")
    off_site = site.url("/x.html").replace("127.0.0.1", "localhost")
    site.page(
        "/",
        f"""<!doctype html><html><head><style>.h {{ background: url(/img/7.png) }}</style></head>
        <body><img src="/img/1.png" srcset="/img/2.png 2x"><img data-src="/img/3.jpg">
        <picture><source srcset="/img/4.png 1x"><img src="/img/1.png"></picture>
        <video poster="/img/5.png"></video><div style="background-image:url('/img/6.png')"></div>
        <a href="/img/8.png">big</a> <a href="/p1.html">p1</a> <a href="p2.html">p2</a>
        <a href="{off_site}">elsewhere</a> <a href="/notes.txt">notes</a>
        <img src="/img/missing.png"><img src="/img/redir.png"><img src="/img/evil.png">
        <img src="/img/soft404.png"></body></html>""",
    )
    site.page(
        "/p1.html", '<img src="/img/10.png"><a href="/p3.html">deeper</a><a href="/">home</a>'
    )
    site.page("/p3.html", '<img src="/img/11.png"><a href="/p4.html">too deep</a>')
    site.page("/p4.html", '<img src="/img/12.png">')
    site.page("/p2.html", "\x00\x01<div <<<<>>>" + '<img src="/img/13.png"><a href="/p1.html">')
    return imgs


def test_crawl_finds_media_in_every_form_and_records_failures(
    site: Site, policy: FetchPolicy
) -> None:
    imgs = build_site(site)
    source = WebSource([site.url("/")], policy=policy, limits=CrawlLimits(max_depth=2))
    items = list(source.iter_sync())

    found = media(items)
    expected = {site.url(p) for p in imgs if p not in ("/img/12.png", "/img/9.png")}
    expected.add(site.url("/img/redir.png"))
    assert set(found) == expected
    assert site.hits("/img/12.png") == 0 and site.hits("/p4.html") == 0  # beyond max_depth
    assert site.hits("/img/1.png") == 1  # referenced twice, fetched once
    assert not any("localhost" in r.path for r in site.requests)

    jpeg = found[site.url("/img/3.jpg")]
    assert jpeg.media_type == "image/jpeg" and jpeg.data == imgs["/img/3.jpg"]  # sniffed
    assert jpeg.found_at == site.url("/") and jpeg.container == site.url("/")
    assert jpeg.source_kind == "web" and jpeg.fetch is not None and jpeg.fetch.status == 200
    deep = found[site.url("/img/11.png")]
    assert deep.found_at == site.url("/p3.html")
    redirected = found[site.url("/img/redir.png")]
    assert redirected.fetch is not None
    assert redirected.fetch.final_url == site.url("/img/9.png")
    assert [h.status for h in redirected.fetch.redirects] == [302]

    failed = failures(items)
    assert failed[site.url("/img/missing.png")].reason == FailureReason.HTTP_STATUS
    assert failed[site.url("/img/evil.png")].reason == FailureReason.REFUSED
    assert failed[site.url("/img/soft404.png")].reason == FailureReason.NOT_MEDIA
    assert [s.url for s in skips(items)] == [site.url("/notes.txt")]
    assert source.stats.pages == 4 and source.stats.media == len(expected)


def test_rescan_uses_etags_and_304(site: Site, policy: FetchPolicy, tmp_path: Path) -> None:
    site.image("/r/a.png", image_bytes(20), etag='"a1"')
    site.image("/r/b.png", image_bytes(21), etag='"b1"')
    site.image("/r/c.png", image_bytes(22), etag='"c1"')
    site.page("/r.html", '<img src="/r/a.png"><img src="/r/b.png">', etag='"v1"')
    cache = InMemoryValidatorCache()

    def scan() -> list[Item]:
        return list(WebSource([site.url("/r.html")], policy=policy, cache=cache).iter_sync())

    first = scan()
    assert len(media(first)) == 2 and len(cache) == 3
    second = scan()
    assert media(second) == {}
    assert {s.url for s in skips(second)} == {site.url("/r/a.png"), site.url("/r/b.png")}
    assert all(s.reason == SkipReason.NOT_MODIFIED for s in skips(second))
    page_requests = [r for r in site.requests if r.path == "/r.html"]
    assert page_requests[-1].headers["if-none-match"] == '"v1"'

    site.page(
        "/r.html", '<img src="/r/a.png"><img src="/r/b.png"><img src="/r/c.png">', etag='"v2"'
    )
    third = scan()
    assert set(media(third)) == {site.url("/r/c.png")}
    assert len(skips(third)) == 2

    path = tmp_path / "validators.json"
    saved = JsonFileValidatorCache(path)
    for url in (site.url("/r.html"), site.url("/r/a.png")):
        entry = cache.get(url)
        assert entry is not None
        saved.put(url, entry)
    saved.save()
    reloaded = JsonFileValidatorCache(path)
    assert reloaded.get(site.url("/r.html")) == cache.get(site.url("/r.html"))
    again = list(WebSource([site.url("/r.html")], policy=policy, cache=reloaded).iter_sync())
    assert set(media(again)) == {site.url("/r/b.png"), site.url("/r/c.png")}


def test_caps_timeouts_and_bombs_become_failures(site: Site, policy: FetchPolicy) -> None:
    site.image("/huge.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 400_000)
    site.image("/slow.png", image_bytes(30), delay=1.5)
    site.routes["/bomb.png"] = Route(gzip_bomb(30_000_000), headers={"Content-Encoding": "gzip"})
    site.image("/fine.png", image_bytes(31))
    site.page(
        "/",
        '<img src="/huge.png"><img src="/slow.png"><img src="/bomb.png"><img src="/fine.png">',
    )
    strict = FetchPolicy(
        allow=policy.allow, read_timeout=0.3, retries=0, max_decoded_bytes=2_000_000
    )
    limits = CrawlLimits(max_file_bytes=100_000)
    items = list(WebSource([site.url("/")], policy=strict, limits=limits).iter_sync())
    failed = failures(items)
    assert failed[site.url("/huge.png")].reason == FailureReason.TOO_LARGE
    assert failed[site.url("/slow.png")].reason == FailureReason.TIMEOUT
    assert failed[site.url("/bomb.png")].reason == FailureReason.TOO_LARGE
    assert set(media(items)) == {site.url("/fine.png")}


def test_page_and_time_limits(site: Site, policy: FetchPolicy) -> None:
    links = "".join(f'<a href="/n{i}.html">{i}</a>' for i in range(20))
    site.page("/", links)
    for i in range(20):
        site.page(f"/n{i}.html", f'<img src="/i{i}.png">')
        site.image(f"/i{i}.png", image_bytes(100 + i))
    source = WebSource([site.url("/")], policy=policy, limits=CrawlLimits(max_pages=5))
    items = list(source.iter_sync())
    assert len(media(items)) == 4
    limit = [s for s in skips(items) if s.reason == SkipReason.LIMIT]
    assert len(limit) == 1 and "max_pages" in limit[0].detail

    for i in range(20):
        site.routes[f"/n{i}.html"] = Route(b"<p>slow</p>", delay=0.5)
    timed = WebSource(
        [site.url("/")],
        policy=policy,
        limits=CrawlLimits(max_seconds=0.8, workers=2, max_pages=100),
    )
    start = time.perf_counter()
    items = list(timed.iter_sync())
    assert time.perf_counter() - start < 3
    assert timed.stats.stopped_by == "max_seconds"
    assert any(s.reason == SkipReason.LIMIT for s in skips(items))


def test_async_consumption_and_early_stop(site: Site, policy: FetchPolicy) -> None:
    site.page("/", "".join(f'<img src="/i{i}.png">' for i in range(10)))
    for i in range(10):
        site.image(f"/i{i}.png", image_bytes(200 + i))

    async def first_three() -> list[Item]:
        got: list[Item] = []
        stream = WebSource([site.url("/")], policy=policy).items()
        async for item in stream:
            got.append(item)
            if len(got) == 3:
                break
        await stream.aclose()  # type: ignore[attr-defined]
        return got

    assert len(asyncio.run(first_three())) == 3
    sync_iter = WebSource([site.url("/")], policy=policy).iter_sync()
    assert isinstance(next(sync_iter), Media)
    sync_iter.close()


def test_seed_that_is_itself_an_image(site: Site, policy: FetchPolicy) -> None:
    url = site.image("/direct", image_bytes(300), content_type="application/octet-stream")
    (item,) = list(WebSource([url], policy=policy).iter_sync())
    assert isinstance(item, Media) and item.found_at == url and item.media_type == "image/png"


@pytest.mark.parametrize("seed", ["http://10.0.0.1/", "ftp://example.org/x"])
def test_refused_seed_is_a_failure_not_a_crash(seed: str, policy: FetchPolicy) -> None:
    (item,) = list(WebSource([seed], policy=policy).iter_sync())
    assert isinstance(item, MediaFailure) and item.reason == FailureReason.REFUSED
