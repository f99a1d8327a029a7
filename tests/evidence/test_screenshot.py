"""Screenshots in Debian's Chromium: the captured answer rendered, subresources preserved,
the browser kept off the network, and a capture that goes on without a browser."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.model import ScreenshotStatus
from haechi.evidence.screenshot import DEBIAN_CHROMIUM, ChromiumScreenshotter
from tests.evidence.conftest import capture_now
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
