"""WARC 1.1 records of one capture, written with ``warcio``.

WARC (ISO 28500) is what web archives, courts' experts and tools such as ReplayWeb.page already
read, so the evidence is kept in it rather than in a format of our own. One capture becomes one
gzipped WARC (one gzip member per record, so captures can be concatenated into a bundle's
``data.warc.gz`` and still be read record by record):

- ``warcinfo``: the software and the capture id;
- ``request`` and ``response`` for every hop of the page, of the media and of each subresource
  the browser needed, linked by ``WARC-Concurrent-To``, with ``WARC-IP-Address``;
- ``resource`` ``urn:fullPageScreenshot:<url>``: the PNG, when one was taken;
- for a chat message or a local file (:mod:`haechi.evidence.resource`), ``resource`` records
  of the message as JSON and of the media bytes, instead of HTTP exchanges;
- ``metadata``: haechi's context (hit, bank entry, distance, source, poster, scan) and the
  capture's facts (redirect chains, TLS certificate, screenshot outcome), as JSON.

Digests are SHA-256 (``sha256:`` base32, as WARC 1.1 recommends the form), checked by
``warcio check`` and by :mod:`haechi.evidence.verify`. Response bodies are stored as
transferred: the chunked transfer coding is already removed by the HTTP client, so a
``Transfer-Encoding`` header is kept as ``X-Archive-Orig-Transfer-Encoding`` (the name web
archives use) instead of claiming a chunking the payload no longer has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
from warcio.utils import Digester  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

from haechi import __version__
from haechi.evidence.log import canonical_json
from haechi.evidence.model import HttpExchange

WARC_VERSION = "1.1"
_RENAMED = {"transfer-encoding": "X-Archive-Orig-Transfer-Encoding"}


class _Sha256WARCWriter(WARCWriter):  # type: ignore[misc]  # warcio is untyped
    """warcio's writer with SHA-256 instead of SHA-1 digests."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def _warc_date(iso: str) -> str:
    """warcio wants ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; our times already are."""
    return iso


@dataclass(frozen=True)
class RecordRef:
    """Which WARC record holds what, for the manifest."""

    record_id: str
    type: str
    uri: str


class CaptureWarc:
    """Builds the gzipped WARC of one capture in memory (bodies are capped upstream)."""

    def __init__(self, capture_id: str, started: str) -> None:
        self._buffer = BytesIO()
        self._writer = _Sha256WARCWriter(self._buffer, gzip=True, warc_version=WARC_VERSION)
        self.records: list[RecordRef] = []
        info = {
            "software": f"haechi/{__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "haechi-capture-id": capture_id,
        }
        record = self._writer.create_warcinfo_record(f"{capture_id}.warc.gz", info)
        record.rec_headers.replace_header("WARC-Date", _warc_date(started))
        self._write(record, "")

    def _write(self, record: Any, uri: str) -> str:
        self._writer.write_record(record)
        record_id = str(record.rec_headers.get_header("WARC-Record-ID"))
        self.records.append(
            RecordRef(record_id, str(record.rec_headers.get_header("WARC-Type")), uri)
        )
        return record_id

    def add_exchange(self, exchange: HttpExchange) -> str:
        """Write the request and response records of one exchange; returns the response's id."""
        response_headers = [
            (_RENAMED.get(name.lower(), name), value) for name, value in exchange.response_headers
        ]
        statusline = f"{exchange.status} {exchange.reason}".strip()
        http = StatusAndHeaders(statusline, response_headers, protocol=exchange.http_version)
        warc_headers: dict[str, str] = {"WARC-Date": _warc_date(exchange.started)}
        if exchange.ip:
            warc_headers["WARC-IP-Address"] = exchange.ip
        if exchange.truncated:
            warc_headers["WARC-Truncated"] = "length"
        response = self._writer.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=http,
            warc_headers_dict=warc_headers,
        )
        response_id = self._write(response, exchange.url)
        request_http = StatusAndHeaders(
            f"{exchange.method} {exchange.target} {exchange.http_version}",
            list(exchange.request_headers),
            is_http_request=True,
        )
        request = self._writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=request_http,
            warc_headers_dict={
                "WARC-Date": _warc_date(exchange.started),
                "WARC-Concurrent-To": response_id,
            },
        )
        self._write(request, exchange.url)
        return response_id

    def add_exchanges(self, exchanges: Iterable[HttpExchange]) -> list[str]:
        """Write several exchanges in order; returns the response record ids."""
        return [self.add_exchange(e) for e in exchanges]

    def add_screenshot(self, url: str, png: bytes, taken_at: str) -> str:
        """Write the full-page screenshot as a resource record."""
        return self.add_resource(f"urn:fullPageScreenshot:{url}", png, "image/png", taken_at)

    def add_resource(self, uri: str, payload: bytes, content_type: str, when: str) -> str:
        """Write bytes that did not come over HTTP (a screenshot, a chat message, a file)."""
        record = self._writer.create_warc_record(
            uri,
            "resource",
            payload=BytesIO(payload),
            length=len(payload),
            warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": _warc_date(when)},
        )
        return self._write(record, uri)

    def add_metadata(
        self, url: str, data: Mapping[str, Any], when: str, refers_to: str | None
    ) -> str:
        """Write haechi's context and facts as a JSON metadata record about ``url``."""
        body = canonical_json(data)
        headers = {"WARC-Date": _warc_date(when)}
        if refers_to:
            headers["WARC-Refers-To"] = refers_to
        record = self._writer.create_warc_record(
            url,
            "metadata",
            payload=BytesIO(body),
            length=len(body),
            warc_content_type="application/json",
            warc_headers_dict=headers,
        )
        return self._write(record, url)

    def getvalue(self) -> bytes:
        """The WARC so far, gzipped record by record."""
        return self._buffer.getvalue()
