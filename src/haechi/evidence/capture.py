"""Capture: turn a hit's URL into evidence bytes, before the link can disappear.

One capture retrieves the page (every redirect hop), the matched media, and a full-page
screenshot, and writes them as one WARC 1.1 file (:mod:`haechi.evidence.warc`) plus a manifest:
a versioned JSON document (``haechi-capture/v1``) with the caller's context (hit, bank entry,
distance, source, poster, scan), the redirect chains, response headers, the addresses
connected to, the TLS certificates, the screenshot outcome and the SHA-256 of every artifact.

Nothing here writes to disk: :class:`CapturedEvidence` is handed to
:meth:`haechi.evidence.locker.EvidenceLocker.seal`, which stores and logs it. A capture of which
only part arrived (the page but not the media, or no screenshot) is still evidence and says
what is missing and why; only a capture in which nothing at all arrived fails.
"""

from __future__ import annotations

import hashlib
import secrets
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from haechi.evidence.errors import CaptureFailed
from haechi.evidence.log import utc_now
from haechi.evidence.model import CAPTURE_FORMAT, HttpExchange, Retrieval, ScreenshotOutcome
from haechi.evidence.recorder import HttpRecorder, decode_body
from haechi.evidence.screenshot import Screenshotter
from haechi.evidence.warc import CaptureWarc

CONTEXT_KEYS = ("hit_id", "bank_entry", "distance", "source", "poster", "scan_id")
"""The context a caller is expected to pass (others are kept too)."""


@dataclass(frozen=True)
class CaptureRequest:
    """What to capture: a page, optionally the media matched on it, and why (the context)."""

    url: str
    media_url: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CapturedEvidence:
    """The bytes of one capture, not yet sealed: the WARC, the screenshot and the manifest."""

    id: str
    request: CaptureRequest
    started: str
    page: Retrieval
    media: Retrieval | None
    screenshot: ScreenshotOutcome
    warc: bytes = field(repr=False)
    manifest: Mapping[str, Any] = field(repr=False)


GONE_STATUSES = frozenset({404, 410})


class NothingArrived(CaptureFailed):
    """Neither the page nor the media answered; ``gone`` says why that looks final, if it does."""

    def __init__(self, message: str, gone: str | None) -> None:
        super().__init__(message)
        self.gone = gone


def _may_come_back(retrieval: Retrieval) -> bool:
    """A refusal by our own policy or a timeout says nothing about whether the content lives."""
    error = retrieval.error or ""
    return retrieval.refused or "no answer within" in error or "Timeout" in error


def vanished(page: Retrieval, media: Retrieval | None) -> str | None:
    """Why the matched content is gone for good (404, 410, no server), else ``None``.

    The content is the media when there is one (the page around it may live on), else the page.
    """
    content = media if media is not None else page
    final = content.final
    if final is not None:
        if final.status in GONE_STATUSES:
            return f"{final.url} answered {final.status}"
        return None
    if content.error is None or _may_come_back(content):
        return None
    return content.error


def new_capture_id() -> str:
    """A unique, time-ordered id: ``cap-YYYYMMDDTHHMMSSZ-<12 hex>``."""
    return f"cap-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(6)}"


def _certificate_json(der: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {
        "sha256": hashlib.sha256(der).hexdigest(),
        "pem": ssl.DER_cert_to_PEM_cert(der),
    }
    try:
        cert = x509.load_der_x509_certificate(der)
        out["subject"] = cert.subject.rfc4514_string()
        out["issuer"] = cert.issuer.rfc4514_string()
        out["not_before"] = cert.not_valid_before_utc.isoformat()
        out["not_after"] = cert.not_valid_after_utc.isoformat()
        out["serial"] = format(cert.serial_number, "x")
        out["spki_sha256"] = hashlib.sha256(
            cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).hexdigest()
    except ValueError as exc:
        out["parse_error"] = str(exc)
    return out


def exchange_json(exchange: HttpExchange) -> dict[str, Any]:
    """The facts of one exchange for the manifest (bodies by hash only)."""
    return {
        "url": exchange.url,
        "status": exchange.status,
        "reason": exchange.reason,
        "http_version": exchange.http_version,
        "location": exchange.header("location") if exchange.is_redirect else None,
        "ip": exchange.ip,
        "port": exchange.port,
        "started": exchange.started,
        "finished": exchange.finished,
        "request_headers": [list(h) for h in exchange.request_headers],
        "response_headers": [list(h) for h in exchange.response_headers],
        "body_bytes": len(exchange.body),
        "body_sha256": hashlib.sha256(exchange.body).hexdigest(),
        "truncated": exchange.truncated,
        "tls": (
            {
                "version": exchange.tls_version,
                "certificate": _certificate_json(exchange.tls_certificate),
            }
            if exchange.tls_certificate is not None
            else None
        ),
    }


def retrieval_json(retrieval: Retrieval, decoded_cap: int) -> dict[str, Any]:
    """The facts of one retrieval: the redirect chain, the final answer and any error."""
    final = retrieval.final
    decoded_sha: str | None = None
    if final is not None and not final.truncated:
        decoded_sha = hashlib.sha256(decode_body(final, decoded_cap)).hexdigest()
    return {
        "url": retrieval.url,
        "final_url": final.url if final else None,
        "status": final.status if final else None,
        "error": retrieval.error,
        "redirects": [
            {"url": e.url, "status": e.status, "location": e.header("location")}
            for e in retrieval.exchanges[:-1]
        ],
        "exchanges": [exchange_json(e) for e in retrieval.exchanges],
        # SHA-256 of the body with gzip/deflate undone: what the scan hashed, for comparison.
        "content_sha256": decoded_sha,
    }


async def capture(
    request: CaptureRequest,
    recorder: HttpRecorder,
    screenshotter: Screenshotter,
    *,
    capture_id: str | None = None,
) -> CapturedEvidence:
    """Retrieve, shoot and package one capture (nothing is stored yet).

    Raises :class:`CaptureFailed` only when neither the page nor the media produced any answer.
    """
    capture_id = capture_id or new_capture_id()
    started = utc_now()
    page = await recorder.retrieve(request.url)
    media = await recorder.retrieve(request.media_url) if request.media_url else None
    if not page.exchanges and (media is None or not media.exchanges):
        reasons = "; ".join(r.error or "no answer" for r in (page, media) if r is not None)
        raise NothingArrived(
            f"nothing could be captured for {request.url}: {reasons}", vanished(page, media)
        )
    document = page.final
    if document is not None and page.ok:
        shot = await screenshotter.shoot(request.url, document, recorder)
    else:
        shot = ScreenshotOutcome.not_taken(f"no page to shoot ({page.error or 'no answer'})")

    warc = CaptureWarc(capture_id, started)
    page_ids = warc.add_exchanges(page.exchanges)
    if media is not None:
        warc.add_exchanges(media.exchanges)
    warc.add_exchanges(shot.subresources)
    screenshot_sha: str | None = None
    if shot.png is not None:
        warc.add_screenshot(
            document.url if document else request.url, shot.png, shot.taken_at or started
        )
        screenshot_sha = hashlib.sha256(shot.png).hexdigest()
    cap = recorder.limits.max_bytes
    facts: dict[str, Any] = {
        "format": CAPTURE_FORMAT,
        "id": capture_id,
        "url": request.url,
        "media_url": request.media_url,
        "started": started,
        "finished": utc_now(),
        "context": dict(request.context),
        "page": retrieval_json(page, cap),
        "media": retrieval_json(media, cap) if media is not None else None,
        "screenshot": {
            "status": shot.status.value,
            "reason": shot.reason,
            "taken_at": shot.taken_at,
            "browser": shot.browser,
            "sha256": screenshot_sha,
            "subresources": [exchange_json(e) for e in shot.subresources],
            "blocked": [{"url": url, "reason": why} for url, why in shot.blocked],
        },
    }
    warc.add_metadata(request.url, facts, facts["finished"], page_ids[-1] if page_ids else None)
    warc_bytes = warc.getvalue()
    manifest = {
        **facts,
        "artifacts": {
            "warc": hashlib.sha256(warc_bytes).hexdigest(),
            "screenshot": screenshot_sha,
        },
        "warc_records": [{"id": r.record_id, "type": r.type, "uri": r.uri} for r in warc.records],
    }
    return CapturedEvidence(
        id=capture_id,
        request=request,
        started=started,
        page=page,
        media=media,
        screenshot=shot,
        warc=warc_bytes,
        manifest=manifest,
    )
