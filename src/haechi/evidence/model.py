"""The typed records of evidence: what went over the wire, what the browser saw, what was sealed.

:class:`HttpExchange` and :class:`Retrieval` are what :mod:`haechi.evidence.recorder` observed;
:class:`ScreenshotOutcome` is what :mod:`haechi.evidence.screenshot` produced (or why not);
:class:`Capture` is the sealed result that the scan pipeline stores in its database and that
every later action (view, export, notice, destroy) refers to by ``id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

CAPTURE_FORMAT = "haechi-capture/v1"


@dataclass(frozen=True)
class HttpExchange:
    """One HTTP request and its response, as sent and as received.

    ``body`` is the response body as transferred: content codings (gzip) kept, the chunked
    transfer coding removed. ``truncated`` is set when the body was cut at the size cap.
    """

    url: str
    method: str
    target: str  # the request target as sent (path and query)
    request_headers: tuple[tuple[str, str], ...]
    http_version: str  # "HTTP/1.1"
    status: int
    reason: str
    response_headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    truncated: bool
    ip: str | None
    port: int | None
    tls_certificate: bytes | None = field(repr=False)  # DER of the peer certificate
    tls_version: str | None
    started: str  # UTC ISO 8601
    finished: str

    def header(self, name: str) -> str | None:
        """The first value of a response header, case-insensitively."""
        wanted = name.lower()
        return next((v for k, v in self.response_headers if k.lower() == wanted), None)

    @property
    def is_redirect(self) -> bool:
        """Whether this answer sends the client elsewhere."""
        return self.status in (301, 302, 303, 307, 308) and self.header("location") is not None


@dataclass(frozen=True)
class Retrieval:
    """One URL followed through its redirects: every hop's exchange, and why it stopped early."""

    url: str
    exchanges: tuple[HttpExchange, ...]
    error: str | None = None  # refused, unreachable, too many redirects: said plainly
    refused: bool = False  # the safety policy refused an address: nothing was sent there

    @property
    def final(self) -> HttpExchange | None:
        """The last answer received (the page itself unless the chain broke)."""
        return self.exchanges[-1] if self.exchanges else None

    @property
    def ok(self) -> bool:
        """Whether a final answer that is not a redirect arrived."""
        final = self.final
        return self.error is None and final is not None and not final.is_redirect


class ScreenshotStatus(StrEnum):
    """Whether a screenshot is part of the evidence."""

    TAKEN = "taken"
    NOT_TAKEN = "not-taken"  # by choice or because no browser is installed
    FAILED = "failed"  # a browser was there but the page could not be shot


@dataclass(frozen=True)
class ScreenshotOutcome:
    """A full-page PNG of the page as the browser rendered it, or why there is none.

    ``subresources`` are the exchanges the browser's page needed (images, styles, scripts),
    fetched through the same guarded client and preserved beside the page; ``blocked`` lists
    the requests that were refused, and why.
    """

    status: ScreenshotStatus
    reason: str | None = None
    png: bytes | None = field(default=None, repr=False)
    taken_at: str | None = None
    browser: str | None = None
    subresources: tuple[HttpExchange, ...] = ()
    blocked: tuple[tuple[str, str], ...] = ()  # (url, why) of requests the page was refused

    @classmethod
    def not_taken(cls, reason: str) -> ScreenshotOutcome:
        """No screenshot, by choice or for lack of a browser."""
        return cls(ScreenshotStatus.NOT_TAKEN, reason)

    @classmethod
    def failed(cls, reason: str, browser: str | None = None) -> ScreenshotOutcome:
        """The browser could not render or shoot the page."""
        return cls(ScreenshotStatus.FAILED, reason, browser=browser)


@dataclass(frozen=True)
class Capture:
    """A sealed capture: its manifest and WARC are stored and a ``captured`` entry is logged.

    The caller keeps ``id`` (and may keep the rest) in its database; the evidence log and the
    store hold the truth and can rebuild this record with
    :meth:`haechi.evidence.locker.EvidenceLocker.get`.
    """

    id: str
    url: str
    media_url: str | None
    started: str
    sealed: str
    final_url: str | None
    page_status: int | None
    media_status: int | None
    ip: str | None
    warc_sha256: str
    manifest_sha256: str
    screenshot_sha256: str | None
    screenshot: ScreenshotStatus
    screenshot_reason: str | None
    log_seq: int
    context: Mapping[str, Any]
    destroyed: bool = False

    @property
    def artifacts(self) -> tuple[str, ...]:
        """SHA-256 of every stored object of this capture, manifest first."""
        out = [self.manifest_sha256, self.warc_sha256]
        if self.screenshot_sha256:
            out.append(self.screenshot_sha256)
        return tuple(out)
