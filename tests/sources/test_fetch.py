"""SafeFetcher against a real server on 127.0.0.1: redirects, caps, bombs, timeouts, pinning."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import httpcore
import pytest

from haechi.sources.errors import FetchFailed, FetchRefused
from haechi.sources.fetch import Fetched, SafeFetcher
from haechi.sources.records import FailureReason
from haechi.sources.safety import FetchPolicy
from haechi.sources.validators import Validators
from tests.sources.sitekit import Route, Site, gzip_bomb, image_bytes


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """The real network backend, remembering every address a connection was opened to."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connected: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append(host)
        return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def fetch(
    policy: FetchPolicy, url: str, backend: RecordingBackend | None = None, **kw: Any
) -> Fetched:
    async def go() -> Fetched:
        async with SafeFetcher(policy, backend=backend, **kw) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(go())


def test_records_status_headers_ip_and_time(site: Site, policy: FetchPolicy) -> None:
    png = image_bytes(1)
    url = site.image("/a.png", png, headers={"X-Test": "1"})
    got = fetch(policy, url)
    assert got.ok and got.body == png
    rec = got.record
    assert (rec.url, rec.final_url, rec.status, rec.ip) == (url, url, 200, "127.0.0.1")
    assert rec.header("x-test") == "1" and rec.header("Content-Type") == "image/png"
    assert rec.size == len(png) and rec.redirects == ()
    assert rec.fetched_at.tzinfo is not None
    request = site.requests[-1]
    assert request.headers["user-agent"].startswith("haechi/0.1")


def test_redirect_chain_is_recorded(site: Site, policy: FetchPolicy) -> None:
    png = image_bytes(2)
    final = site.image("/final.png", png)
    site.redirect("/r2", "/final.png", 301)
    start = site.redirect("/r1", site.url("/r2"), 302)
    got = fetch(policy, start)
    assert got.body == png and got.record.final_url == final
    assert [(h.url, h.status, h.location) for h in got.record.redirects] == [
        (start, 302, site.url("/r2")),
        (site.url("/r2"), 301, "/final.png"),
    ]


def test_redirect_loop_is_capped(site: Site, policy: FetchPolicy) -> None:
    site.redirect("/loop", "/loop")
    with pytest.raises(FetchRefused, match="redirects") as info:
        fetch(policy, site.url("/loop"))
    assert info.value.record is not None and len(info.value.record.redirects) == 6
    assert site.hits("/loop") == 6


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fd00::1]:8080/",
        "file:///etc/passwd",
    ],
)
def test_redirect_to_private_address_refused_before_connecting(
    site: Site, policy: FetchPolicy, target: str
) -> None:
    start = site.redirect("/go", target)
    backend = RecordingBackend()
    with pytest.raises(FetchRefused) as info:
        fetch(policy, start, backend)
    assert backend.connected == ["127.0.0.1"]  # only the allowed server was ever contacted
    record = info.value.record
    assert record is not None and record.final_url.startswith(target.split("/")[0])
    assert [h.url for h in record.redirects] == [start]
    assert info.value.reason == FailureReason.REFUSED


def test_names_are_resolved_once_checked_and_pinned(site: Site, policy: FetchPolicy) -> None:
    """DNS rebinding: the address that is checked is the address that is connected to."""
    port = site.base_url.rsplit(":", 1)[1]
    site.image("/p.png", image_bytes(3))
    answers = {"good.test": [["127.0.0.1"]], "rebind.test": [["127.0.0.1"], ["10.0.0.1"]]}

    async def resolver(host: str, _port: int) -> list[str]:
        queue = answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    backend = RecordingBackend()
    got = fetch(policy, f"http://good.test:{port}/p.png", backend, resolver=resolver)
    assert got.ok and got.record.ip == "127.0.0.1"
    assert backend.connected == ["127.0.0.1"]  # the socket went to the checked address
    assert site.requests[-1].headers["host"] == f"good.test:{port}"

    first = fetch(policy, f"http://rebind.test:{port}/p.png", backend, resolver=resolver)
    assert first.ok
    backend.connected.clear()
    with pytest.raises(FetchRefused, match=r"10\.0\.0\.1"):
        fetch(policy, f"http://rebind.test:{port}/p.png", backend, resolver=resolver)
    assert backend.connected == []


def test_unresolvable_name_is_a_network_failure(policy: FetchPolicy) -> None:
    async def resolver(host: str, _port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(FetchFailed) as info:
        fetch(policy, "http://nowhere.test/", resolver=resolver)
    assert info.value.reason == FailureReason.NETWORK


def test_oversized_body_is_refused_by_declared_length(site: Site, policy: FetchPolicy) -> None:
    url = site.image("/big.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 300_000)
    small = FetchPolicy(allow=policy.allow, max_bytes=100_000, retries=0)
    with pytest.raises(FetchFailed) as info:
        fetch(small, url)
    assert info.value.reason == FailureReason.TOO_LARGE
    assert info.value.record is not None and info.value.record.status == 200


def test_oversized_body_without_length_is_cut_while_streaming(
    site: Site, policy: FetchPolicy
) -> None:
    site.routes["/stream.bin"] = Route(b"\0" * 3_000_000, no_length=True)
    small = FetchPolicy(allow=policy.allow, max_bytes=100_000, retries=0)
    with pytest.raises(FetchFailed) as info:
        fetch(small, site.url("/stream.bin"))
    assert info.value.reason == FailureReason.TOO_LARGE


def test_gzip_bomb_stops_at_the_decoded_cap(site: Site, policy: FetchPolicy) -> None:
    bomb = gzip_bomb(50_000_000)
    assert len(bomb) < 100_000
    site.routes["/bomb.html"] = Route(bomb, headers={"Content-Encoding": "gzip"})
    capped = FetchPolicy(allow=policy.allow, max_decoded_bytes=1_000_000, retries=0)
    with pytest.raises(FetchFailed, match="decompressed") as info:
        fetch(capped, site.url("/bomb.html"))
    assert info.value.reason == FailureReason.TOO_LARGE


def test_gzip_and_deflate_bodies_are_decoded(site: Site, policy: FetchPolicy) -> None:
    import gzip
    import zlib

    text = b"<html>" + b"hello " * 1000 + b"</html>"
    site.routes["/g"] = Route(gzip.compress(text), headers={"Content-Encoding": "gzip"})
    site.routes["/d"] = Route(zlib.compress(text), headers={"Content-Encoding": "deflate"})
    raw = zlib.compressobj(wbits=-15)
    site.routes["/rd"] = Route(
        raw.compress(text) + raw.flush(), headers={"Content-Encoding": "deflate"}
    )
    for path in ("/g", "/d", "/rd"):
        assert fetch(policy, site.url(path)).body == text
    assert site.requests[-1].headers["accept-encoding"] == "gzip, deflate"


def test_slow_response_times_out_after_retries(site: Site, policy: FetchPolicy) -> None:
    site.routes["/slow"] = Route(b"late", delay=1.5)
    quick = FetchPolicy(allow=policy.allow, read_timeout=0.2, retries=1, backoff=0.01)
    with pytest.raises(FetchFailed) as info:
        fetch(quick, site.url("/slow"))
    assert info.value.reason == FailureReason.TIMEOUT
    assert site.hits("/slow") == 2


def test_total_timeout_bounds_the_whole_fetch(site: Site, policy: FetchPolicy) -> None:
    site.routes["/slow"] = Route(b"late", delay=1.5)
    bounded = FetchPolicy(allow=policy.allow, read_timeout=5, total_timeout=0.3, retries=3)
    with pytest.raises(FetchFailed, match="within") as info:
        fetch(bounded, site.url("/slow"))
    assert info.value.reason == FailureReason.TIMEOUT


def test_5xx_is_retried_with_backoff_then_succeeds(site: Site, policy: FetchPolicy) -> None:
    calls = {"n": 0}
    png = image_bytes(4)

    def flaky(handler: Any) -> None:
        calls["n"] += 1
        status, body = (503, b"busy") if calls["n"] < 3 else (200, png)
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    site.routes["/flaky.png"] = flaky
    got = fetch(policy, site.url("/flaky.png"))
    assert got.ok and got.body == png and calls["n"] == 3


def test_404_is_an_answer_not_an_exception(site: Site, policy: FetchPolicy) -> None:
    got = fetch(policy, site.url("/missing.png"))
    assert got.record.status == 404 and not got.ok
    assert site.hits("/missing.png") == 1  # 4xx is not retried


def test_conditional_request_answers_304(site: Site, policy: FetchPolicy) -> None:
    url = site.image(
        "/c.png", image_bytes(5), etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT"
    )

    async def go() -> tuple[Fetched, Fetched]:
        async with SafeFetcher(policy) as fetcher:
            first = await fetcher.fetch(url)
            second = await fetcher.fetch(url, validators=first.validators())
            return first, second

    first, second = asyncio.run(go())
    assert first.validators() == Validators('"v1"', "Mon, 01 Jan 2024 00:00:00 GMT")
    assert second.not_modified and second.body == b""
    assert site.requests[-1].headers["if-none-match"] == '"v1"'


def test_loopback_is_refused_without_allow_list(site: Site) -> None:
    backend = RecordingBackend()
    with pytest.raises(FetchRefused):
        fetch(FetchPolicy(), site.url("/"), backend)
    with pytest.raises(FetchRefused):
        fetch(FetchPolicy(), site.url("/").replace("127.0.0.1", "localhost"), backend)
    assert backend.connected == []


def test_connection_closed_by_the_server_is_not_reused(site: Site, policy: FetchPolicy) -> None:
    site.routes["/closing"] = Route(b"x" * 1000, no_length=True)
    png = site.image("/after.png", image_bytes(6))

    async def go() -> list[Fetched]:
        async with SafeFetcher(policy) as fetcher:
            return [
                await fetcher.fetch(site.url("/closing")),
                await fetcher.fetch(png),
                await fetcher.fetch(site.url("/closing")),
                await fetcher.fetch(png),
            ]

    got = asyncio.run(go())
    assert [len(g.body) for g in got] == [1000, len(image_bytes(6)), 1000, len(image_bytes(6))]
