"""Screenshots in Debian's Chromium: the captured answer rendered, subresources preserved,
the browser kept off the network, and a capture that goes on without a browser."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.model import Retrieval, ScreenshotOutcome, ScreenshotStatus
from haechi.evidence.recorder import HttpRecorder
from haechi.evidence.screenshot import (
    DEBIAN_CHROMIUM,
    BrowserLimits,
    ChromiumScreenshotter,
    _Allowance,
)
from tests.evidence.conftest import LOOPBACK, capture_now, run
from tests.evidence.site import PAGE, Answer, Site

needs_chromium = pytest.mark.skipif(
    not DEBIAN_CHROMIUM.is_file(),
    reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)",
)


@needs_chromium
def test_a_full_page_screenshot_of_the_captured_answer(locker: EvidenceLocker, site: Site) -> None:
    tall = PAGE.replace(b"</body>", b"<div style='height:3000px'></div><p>end</p></body>")
    site.routes["/tall"] = Answer(200, [("Content-Type", "text/html")], tall)
    site.routes["/tall-redirect"] = Answer(301, [("Location", "/tall")])
    record = capture_now(
        locker,
        site.url("/tall-redirect"),
        site.url("/media/photo.jpg"),
        screenshotter=ChromiumScreenshotter(),
    )
    assert record.screenshot is ScreenshotStatus.TAKEN, record.screenshot_reason
    assert record.screenshot_sha256 is not None
    png = locker.store.get(record.screenshot_sha256)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 1280 and image.height > 3000
    # The browser was handed the captured answer, not a second fetch of the page.
    assert site.hits.count("/tall") == 1
    manifest = locker.manifest(record.id)
    subresources = {e["url"]: e["status"] for e in manifest["screenshot"]["subresources"]}
    assert subresources == {site.url("/style.css"): 200, site.url("/media/photo.jpg"): 200}
    assert manifest["screenshot"]["browser"].startswith("Chromium ")
    warc = locker.store.get(record.warc_sha256)
    kinds = [
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
        for r in ArchiveIterator(io.BytesIO(warc))
    ]
    assert ("resource", f"urn:fullPageScreenshot:{site.url('/tall')}") in kinds
    assert ("response", site.url("/style.css")) in kinds


@needs_chromium
def test_the_page_cannot_reach_past_the_guard(locker: EvidenceLocker, site: Site) -> None:
    page = (
        b"<html><body><img src='http://10.0.0.1/x.png'>"
        b"<img src='http://localhost.invalid/y.png'>"
        b"<script>new WebSocket('ws://127.0.0.1:" + str(site.port).encode() + b"/ws');"
        b"fetch('" + site.url("/beacon").encode() + b"',{method:'POST',body:'x'});</script>"
        b"</body></html>"
    )
    site.routes["/hostile"] = Answer(200, [("Content-Type", "text/html")], page)
    record = capture_now(locker, site.url("/hostile"), screenshotter=ChromiumScreenshotter())
    assert record.screenshot is ScreenshotStatus.TAKEN, record.screenshot_reason
    assert "/beacon" not in site.hits and "/ws" not in site.hits
    shot = locker.manifest(record.id)["screenshot"]
    assert shot["subresources"] == []
    blocked = {b["url"]: b["reason"] for b in shot["blocked"]}
    assert "private" in blocked["http://10.0.0.1/x.png"]
    assert "not resolved" in blocked["http://localhost.invalid/y.png"]
    assert blocked[site.url("/beacon")] == "POST is not fetched"


def test_without_a_browser_the_capture_says_why(
    locker: EvidenceLocker, site: Site, tmp_path: Path
) -> None:
    camera = ChromiumScreenshotter(tmp_path / "no-such-chromium")
    record = capture_now(locker, site.url("/"), screenshotter=camera)
    assert record.screenshot is ScreenshotStatus.NOT_TAKEN
    assert record.screenshot_reason is not None and "no-such-chromium" in record.screenshot_reason
    assert record.page_status == 200
    assert locker.manifest(record.id)["screenshot"]["status"] == "not-taken"


class _CountingRecorder(HttpRecorder):
    """The real recorder, counting how many retrievals overlap (and widening the overlap)."""

    def __init__(self) -> None:
        super().__init__(LOOPBACK)
        self.in_flight = 0
        self.most_in_flight = 0

    async def retrieve(self, url: str, max_bytes: int | None = None) -> Retrieval:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.05)
            return await super().retrieve(url, max_bytes)
        finally:
            self.in_flight -= 1


@needs_chromium
def test_the_subresource_byte_cap_holds_under_concurrent_requests(site: Site) -> None:
    images = "".join(f"<img src='/big/{n}.bin'>" for n in range(24))
    site.routes["/heavy"] = Answer(200, [("Content-Type", "text/html")], images.encode())
    for n in range(24):
        site.routes[f"/big/{n}.bin"] = Answer(
            200, [("Content-Type", "image/png")], bytes([n]) * 400_000
        )
    # A redirect whose own body is large must count against the cap too.
    site.routes["/big/24.bin"] = Answer(302, [("Location", "/big/0.bin")], b"r" * 900_000)
    site.routes["/heavy"].body += b"<img src='/big/24.bin'>"
    limits = BrowserLimits(max_subresource_bytes=1_000_000, max_subresource_share=300_000)

    async def go() -> tuple[ScreenshotOutcome, int]:
        async with _CountingRecorder() as recorder:
            page = await recorder.retrieve(site.url("/heavy"))
            assert page.final is not None
            async with ChromiumScreenshotter(limits=limits) as camera:
                outcome = await camera.shoot(site.url("/heavy"), page.final, recorder)
            return outcome, recorder.most_in_flight

    outcome, overlap = run(go())
    assert outcome.status is ScreenshotStatus.TAKEN, outcome.reason
    assert overlap > 1  # the requests really were concurrent
    fetched = sum(len(e.body) for e in outcome.subresources)
    assert 0 < fetched <= limits.max_subresource_bytes
    assert any(why == "over the subresource limits" for _, why in outcome.blocked)


def test_reservations_never_pass_the_cap() -> None:
    allowance = _Allowance(cap=1000, share=300)
    peak = 0

    async def request(size: int) -> int:
        nonlocal peak
        grant = await allowance.reserve()
        peak = max(peak, allowance.used + allowance.reserved)
        await asyncio.sleep(0.001 * (size % 7))
        used = min(size, grant)
        await allowance.settle(grant, used)
        return used

    async def many() -> list[int]:
        return await asyncio.gather(*(request(n * 37 % 500) for n in range(40)))

    got = run(many())
    assert peak <= 1000 and allowance.used == sum(got) <= 1000
    assert allowance.reserved == 0
