"""Capture: every hop recorded as sent and received, the fetch guard enforced, WARCs that check."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from haechi.evidence.capture import CaptureRequest, capture
from haechi.evidence.errors import CaptureFailed
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.model import ScreenshotStatus
from haechi.evidence.recorder import HttpRecorder, RecorderLimits
from haechi.evidence.screenshot import NoScreenshots
from haechi.sources.safety import FetchPolicy
from tests.evidence.conftest import LOOPBACK, capture_now, run
from tests.evidence.site import Answer, Site, jpeg_bytes, self_signed


def warc_records(data: bytes) -> list[dict[str, Any]]:
    out = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
        payload = record.content_stream().read()
        out.append(
            {
                "type": record.rec_type,
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "ip": record.rec_headers.get_header("WARC-IP-Address"),
                "digest_ok": record.digest_checker.passed,
                "status": record.http_headers.get_statuscode()
                if record.http_headers and record.rec_type == "response"
                else None,
                "headers": dict(record.http_headers.headers) if record.http_headers else {},
                "payload": payload,
                "date": record.rec_headers.get_header("WARC-Date"),
                "truncated": record.rec_headers.get_header("WARC-Truncated"),
                "content_type": record.rec_headers.get_header("Content-Type"),
            }
        )
    return out


def test_a_capture_keeps_the_redirect_chain_media_and_context(
    locker: EvidenceLocker, site: Site
) -> None:
    context = {
        "hit_id": 7,
        "bank_entry": "bank-1/3",
        "distance": 12,
        "source": "web",
        "poster": "someone",
        "scan_id": "scan-9",
    }
    record = capture_now(locker, site.url("/post/1"), site.url("/media/photo.jpg"), context)
    assert record.final_url == site.url("/")
    assert (record.page_status, record.media_status, record.ip) == (200, 200, "127.0.0.1")
    assert record.screenshot is ScreenshotStatus.NOT_TAKEN
    assert record.screenshot_reason == "not needed in this test"
    assert record.context == context

    warc = locker.store.get(record.warc_sha256)
    records = warc_records(warc)
    assert all(r["digest_ok"] is not False for r in records)
    assert [r["type"] for r in records] == [
        "warcinfo",
        "response",
        "request",
        "response",
        "request",
        "response",
        "request",
        "metadata",
    ]
    redirect, page, media = (r for r in records if r["type"] == "response")
    assert (redirect["uri"], redirect["status"]) == (site.url("/post/1"), "302")
    assert redirect["headers"]["Location"] == "/"
    assert page["payload"] == site.routes["/"].body and page["ip"] == "127.0.0.1"
    assert media["payload"] == jpeg_bytes(1)
    assert all(r["date"].endswith("Z") for r in records)

    metadata = json.loads(records[-1]["payload"])
    assert records[-1]["content_type"] == "application/json"
    assert metadata["context"] == context
    assert [h["status"] for h in metadata["page"]["redirects"]] == [302]
    assert metadata["media"]["content_sha256"] == hashlib.sha256(jpeg_bytes(1)).hexdigest()
    assert metadata["screenshot"] == {
        "status": "not-taken",
        "reason": "not needed in this test",
        "taken_at": None,
        "browser": None,
        "sha256": None,
        "subresources": [],
        "blocked": [],
    }
    manifest = locker.manifest(record.id)
    assert manifest["artifacts"]["warc"] == record.warc_sha256
    assert (
        manifest["page"]["exchanges"][1]["body_sha256"]
        == hashlib.sha256(site.routes["/"].body).hexdigest()
    )


def test_bodies_are_kept_as_transferred(locker: EvidenceLocker, site: Site) -> None:
    site.routes["/gz"] = Answer(
        200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], gzip.compress(b"<p>")
    )
    gz = capture_now(locker, site.url("/gz"))
    response = next(
        r for r in warc_records(locker.store.get(gz.warc_sha256)) if r["type"] == "response"
    )
    assert response["headers"]["Content-Encoding"] == "gzip"
    assert response["payload"] == b"<p>"  # warcio undoes the coding; the digest was over raw
    chunked = capture_now(locker, site.url("/chunked"))
    response = next(
        r for r in warc_records(locker.store.get(chunked.warc_sha256)) if r["type"] == "response"
    )
    assert response["payload"] == b"<p>one</p><p>two</p>"
    assert response["headers"]["X-Archive-Orig-Transfer-Encoding"] == "chunked"
    assert "Transfer-Encoding" not in response["headers"]


def test_bodies_over_the_cap_are_cut_and_marked(locker: EvidenceLocker, site: Site) -> None:
    record = capture_now(locker, site.url("/big"), limits=RecorderLimits(max_bytes=50_000))
    response = next(
        r for r in warc_records(locker.store.get(record.warc_sha256)) if r["type"] == "response"
    )
    assert len(response["payload"]) == 50_000
    assert response["truncated"] == "length"
    assert locker.manifest(record.id)["page"]["exchanges"][0]["truncated"] is True


def test_private_addresses_are_refused_unless_allowed(site: Site) -> None:
    async def go() -> None:
        async with HttpRecorder(FetchPolicy()) as recorder:
            with pytest.raises(CaptureFailed, match="loopback"):
                await capture(CaptureRequest(site.url("/")), recorder, NoScreenshots())

    run(go())
    assert site.hits == []


def test_a_redirect_to_a_private_address_ends_the_chain_on_the_record(
    locker: EvidenceLocker, site: Site
) -> None:
    site.routes["/away"] = Answer(302, [("Location", "http://10.1.2.3/admin")])
    record = capture_now(locker, site.url("/away"))
    page = locker.manifest(record.id)["page"]
    assert "10.1.2.3" in page["error"] and "private" in page["error"]
    assert [e["status"] for e in page["exchanges"]] == [302]
    assert record.screenshot_reason is not None and "no page to shoot" in record.screenshot_reason


def test_https_captures_keep_the_server_certificate(
    locker: EvidenceLocker, serve_site: Callable[..., Site], tmp_path: Path
) -> None:
    cert = self_signed(tmp_path)
    secure = serve_site(tls=cert.server)

    async def go() -> Any:
        async with HttpRecorder(LOOPBACK, ssl_context=cert.client) as recorder:
            return await locker.capture(CaptureRequest(secure.url("/")), recorder, NoScreenshots())

    record = run(go())
    exchange = locker.manifest(record.id)["page"]["exchanges"][0]
    tls = exchange["tls"]
    assert tls["certificate"]["sha256"] == hashlib.sha256(cert.der).hexdigest()
    assert tls["certificate"]["pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert "haechi test site" in tls["certificate"]["subject"]
    assert tls["version"].startswith("TLS")
    assert exchange["ip"] == "127.0.0.1"


def test_an_unreachable_page_with_reachable_media_is_still_evidence(
    locker: EvidenceLocker, site: Site
) -> None:
    record = capture_now(locker, "http://127.0.0.1:9/gone", site.url("/media/photo.jpg"))
    manifest = locker.manifest(record.id)
    assert manifest["page"]["error"] and manifest["page"]["exchanges"] == []
    assert record.media_status == 200
