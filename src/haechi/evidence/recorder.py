"""Fetch a URL for evidence: every hop recorded as sent and received, through the safety guard.

The scan's fetcher (:mod:`haechi.sources.fetch`) hands back decoded bodies; evidence needs more
and different things: the request as sent, the response body as transferred (content coding
kept, so the WARC payload digest is what the server sent), the status line, every redirect hop
as its own exchange, the address connected to and the TLS certificate the server presented.
So this module keeps its own small httpx client, built on the same guarded network backend
(:class:`haechi.sources.safety.GuardedBackend`): a private or loopback address is refused at
connection time unless the policy's allow-list names it, for the page, every redirect hop, the
media and every subresource the browser asks for.

Bodies over ``max_bytes`` are cut and marked truncated rather than dropped: a partial copy of a
huge video still shows what was there.
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urldefrag, urljoin

import httpcore
import httpx

from haechi.evidence.log import utc_now
from haechi.evidence.model import HttpExchange, Retrieval
from haechi.sources.errors import FetchError, FetchRefused
from haechi.sources.safety import FetchPolicy, GuardedBackend, Resolver, check_url, system_resolver

ACCEPT_ENCODING = "gzip, deflate"  # only codings the screenshot step can undo itself


@dataclass(frozen=True)
class RecorderLimits:
    """Caps of one retrieval: bytes kept per response, redirects followed, time allowed."""

    max_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 10
    timeout: float = 30.0  # seconds for one URL, all hops included
    connect_timeout: float = 10.0
    verify_tls: bool = True  # False still records the certificate, for sites with broken TLS


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a pool whose network backend is the safety guard.

    httpx has no public way to pass a network backend, so the pool it builds is replaced (as
    :mod:`haechi.sources.fetch` does); the tests check that refusals really happen.
    """

    def __init__(self, backend: httpcore.AsyncNetworkBackend, ssl_context: ssl.SSLContext) -> None:
        super().__init__(retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=16,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            network_backend=backend,
        )


def _ssl_context(limits: RecorderLimits, context: ssl.SSLContext | None) -> ssl.SSLContext:
    if context is not None:
        return context
    if limits.verify_tls:
        return httpx.create_ssl_context()
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    return unverified


class HttpRecorder:
    """Retrieves URLs hop by hop and records each exchange; use as an async context manager."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        limits: RecorderLimits | None = None,
        *,
        resolver: Resolver = system_resolver,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy if policy is not None else FetchPolicy()
        self.limits = limits if limits is not None else RecorderLimits()
        backend = GuardedBackend(self.policy, resolver=resolver)
        self._client = httpx.AsyncClient(
            transport=_GuardedTransport(backend, _ssl_context(self.limits, ssl_context)),
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(self.limits.timeout, connect=self.limits.connect_timeout),
        )

    async def __aenter__(self) -> HttpRecorder:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close all connections."""
        await self._client.aclose()

    async def retrieve(self, url: str, max_bytes: int | None = None) -> Retrieval:
        """GET ``url``, following redirects one recorded hop at a time.

        Never raises for what the network does: a refused address, a timeout or a reset ends
        the chain and is said in :attr:`Retrieval.error`, with the hops that did arrive.
        ``max_bytes`` caps the bodies of the whole chain together.
        """
        exchanges: list[HttpExchange] = []
        current = urldefrag(url).url
        budget = max_bytes or self.limits.max_bytes  # for the whole chain, redirect bodies too
        try:
            async with asyncio.timeout(self.limits.timeout):
                for _ in range(self.limits.max_redirects + 1):
                    check_url(current, self.policy)
                    exchange = await self._exchange(current, budget)
                    exchanges.append(exchange)
                    budget -= len(exchange.body)
                    location = exchange.header("location")
                    if not exchange.is_redirect or location is None:
                        return Retrieval(url, tuple(exchanges))
                    if budget <= 0:
                        return Retrieval(url, tuple(exchanges), "byte cap reached in redirects")
                    current = urldefrag(urljoin(current, location.strip())).url
                return Retrieval(
                    url, tuple(exchanges), f"more than {self.limits.max_redirects} redirects"
                )
        except FetchError as exc:
            refused = isinstance(exc, FetchRefused)
            return Retrieval(url, tuple(exchanges), f"{current}: {exc}", refused)
        except TimeoutError:
            return Retrieval(
                url, tuple(exchanges), f"{current}: no answer within {self.limits.timeout:g} s"
            )
        except httpx.HTTPError as exc:
            return Retrieval(url, tuple(exchanges), f"{current}: {type(exc).__name__}: {exc}")

    async def _exchange(self, url: str, cap: int) -> HttpExchange:
        started = utc_now()
        request = self._client.build_request(
            "GET",
            url,
            headers={
                "User-Agent": self.policy.user_agent,
                "Accept": "*/*",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )
        response = await self._client.send(request, stream=True)
        try:
            ip, port, cert, tls_version = _connection_facts(response)
            parts: list[bytes] = []
            size = 0
            truncated = False
            async for chunk in response.aiter_raw():
                if size + len(chunk) > cap:
                    parts.append(chunk[: cap - size])
                    truncated = True
                    break
                parts.append(chunk)
                size += len(chunk)
        finally:
            await response.aclose()
        reason = response.extensions.get("reason_phrase", b"")
        return HttpExchange(
            url=url,
            method="GET",
            target=request.url.raw_path.decode("ascii"),
            request_headers=tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
            ),
            http_version=response.http_version,
            status=response.status_code,
            reason=reason.decode("latin-1") if isinstance(reason, bytes) else str(reason),
            response_headers=tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw
            ),
            body=b"".join(parts),
            truncated=truncated,
            ip=ip,
            port=port,
            tls_certificate=cert,
            tls_version=tls_version,
            started=started,
            finished=utc_now(),
        )


def _connection_facts(
    response: httpx.Response,
) -> tuple[str | None, int | None, bytes | None, str | None]:
    """The peer address, port, certificate (DER) and TLS version of the response's connection."""
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None, None, None, None
    ip: str | None = None
    port: int | None = None
    address = stream.get_extra_info("server_addr")
    if isinstance(address, tuple) and len(address) >= 2:
        ip, port = str(address[0]), int(address[1])
    cert: bytes | None = None
    version: str | None = None
    ssl_object = stream.get_extra_info("ssl_object")
    if isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        cert = ssl_object.getpeercert(binary_form=True)
        version = ssl_object.version()
    return ip, port, cert, version


def decode_body(exchange: HttpExchange, cap: int) -> bytes:
    """The body with its content coding (gzip, deflate) undone, at most ``cap`` bytes."""
    body = exchange.body
    coding = (exchange.header("content-encoding") or "").strip().lower()
    if coding in ("", "identity"):
        return body[:cap]
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}.get(coding)
    if wbits is None and coding == "deflate":
        wbits = zlib.MAX_WBITS if body[:1] and body[0] & 0x0F == 8 else -zlib.MAX_WBITS
    if wbits is None:
        return body[:cap]
    try:
        return zlib.decompressobj(wbits).decompress(body, cap)
    except zlib.error:
        return b""
