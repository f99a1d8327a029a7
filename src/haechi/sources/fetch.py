"""The one way sources fetch over HTTP: safe, bounded, polite, and on the record.

Every byte a source takes from the web comes through :class:`SafeFetcher`, so the rules of
:mod:`haechi.sources.safety` hold everywhere and every answer carries a :class:`FetchRecord`
(status, final URL, redirect chain, headers, the address connected to, when) that the evidence
step needs to show where a file came from.

Redirects are followed here, hop by hop, rather than by httpx, so each hop is checked and
recorded. Bodies are read raw and decompressed here with a bounded ``zlib`` output size, so a
gzip bomb stops at the cap instead of filling memory first. Failures come back as
:class:`~haechi.sources.errors.FetchError` subclasses carrying a typed reason; HTTP error
statuses are answers, not exceptions, and come back as records.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import urldefrag, urljoin, urlsplit

import httpcore
import httpx

from haechi.sources.errors import FetchError, FetchFailed, FetchRefused
from haechi.sources.records import FailureReason, FetchRecord, RedirectHop
from haechi.sources.safety import FetchPolicy, GuardedBackend, Resolver, check_url, system_resolver
from haechi.sources.validators import Validators

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Fetched:
    """One completed fetch: the record of what happened and the decoded body (empty for 304)."""

    record: FetchRecord
    body: bytes = field(repr=False)

    @property
    def not_modified(self) -> bool:
        """Whether a conditional request answered 304 Not Modified."""
        return self.record.status == 304

    @property
    def ok(self) -> bool:
        """Whether the final answer was 200 OK."""
        return self.record.status == 200

    def validators(self) -> Validators:
        """The validators the answer offers for a later conditional request."""
        return Validators(
            etag=self.record.header("etag"), last_modified=self.record.header("last-modified")
        )


class _PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool whose network backend is :class:`GuardedBackend`.

    httpx offers no public way to pass a network backend, so the pool it builds is replaced.
    ``test_fetch.py`` checks that connections really go through the guard.
    """

    def __init__(self, policy: FetchPolicy, backend: httpcore.AsyncNetworkBackend) -> None:
        super().__init__(retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=policy.max_connections,
            max_keepalive_connections=policy.max_connections,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )


class _Decoder:
    """Content-Encoding decoding with a hard cap on the decoded size."""

    def __init__(self, encoding_header: str | None, cap: int) -> None:
        names = [e.strip().lower() for e in (encoding_header or "").split(",") if e.strip()]
        self._cap = cap
        self._stages: list[str] = []
        for name in reversed(names):  # the last encoding applied is undone first
            if name in ("identity", ""):
                continue
            if name not in ("gzip", "x-gzip", "deflate"):
                raise FetchFailed(f"unsupported Content-Encoding {name!r}", FailureReason.NETWORK)
            self._stages.append(name)
        self._objects: list[zlib._Decompress | None] = [None] * len(self._stages)
        self._parts: list[bytes] = []
        self.size = 0

    def _stage(self, index: int, first: bytes) -> zlib._Decompress:
        obj = self._objects[index]
        if obj is None:
            name = self._stages[index]
            if name == "deflate":
                # RFC 9110 says zlib-wrapped, but some servers send raw deflate.
                zlib_wrapped = (
                    len(first) >= 2
                    and (first[0] & 0x0F) == 8
                    and ((first[0] << 8) | first[1]) % 31 == 0
                )
                obj = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
            else:
                obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._objects[index] = obj
        return obj

    def _run(self, index: int, data: bytes) -> bytes:
        if not data:
            return b""
        stage = self._stage(index, data)
        out: list[bytes] = []
        produced = 0
        while data and not stage.eof:
            piece = stage.decompress(data, self._cap - self.size + 1)
            produced += len(piece)
            if self.size + produced > self._cap:
                raise FetchFailed(
                    f"decompressed body is over {self._cap} bytes", FailureReason.TOO_LARGE
                )
            out.append(piece)
            data = stage.unconsumed_tail
        return b"".join(out)

    def feed(self, chunk: bytes) -> None:
        data = chunk
        try:
            for index in range(len(self._stages)):
                data = self._run(index, data)
        except zlib.error as exc:
            raise FetchFailed(f"corrupt compressed body ({exc})", FailureReason.NETWORK) from exc
        self.size += len(data)
        if self.size > self._cap:
            raise FetchFailed(f"body is over {self._cap} bytes", FailureReason.TOO_LARGE)
        self._parts.append(data)

    def body(self) -> bytes:
        return b"".join(self._parts)


def _peer_ip(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    address = stream.get_extra_info("server_addr")
    if isinstance(address, tuple) and address:
        return str(address[0])
    return None


def _retry_reason(exc: httpx.TransportError) -> FailureReason:
    return (
        FailureReason.TIMEOUT if isinstance(exc, httpx.TimeoutException) else FailureReason.NETWORK
    )


class SafeFetcher:
    """An async HTTP client that only fetches what :class:`FetchPolicy` allows.

    Use as ``async with SafeFetcher(policy) as fetcher: await fetcher.fetch(url)``. One fetcher
    is shared by all the tasks of a crawl: it holds the connection pool and the per-host
    concurrency limits.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolver: Resolver = system_resolver,
        backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.policy = policy if policy is not None else FetchPolicy()
        guarded = GuardedBackend(self.policy, resolver=resolver, inner=backend)
        self._client = httpx.AsyncClient(
            transport=_PinnedTransport(self.policy, guarded),
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(
                self.policy.read_timeout,
                connect=self.policy.connect_timeout,
                pool=self.policy.total_timeout,
            ),
        )
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> SafeFetcher:
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

    @asynccontextmanager
    async def _host_slot(self, url: str) -> AsyncIterator[None]:
        host = urlsplit(url).netloc.lower()
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = asyncio.Semaphore(self.policy.per_host)
        async with slot:
            yield

    async def fetch(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        max_bytes: int | None = None,
    ) -> Fetched:
        """GET ``url`` following up to ``policy.max_redirects`` checked redirects.

        Retries 5xx, 429, timeouts and connection errors with exponential backoff; returns
        the final answer whatever its status. Raises :class:`FetchRefused` if the policy
        forbids the URL or any hop (nothing is sent there), :class:`FetchFailed` on network
        errors, timeouts (``policy.total_timeout`` for the whole fetch) and bodies over the caps.
        """
        policy = self.policy
        cap = policy.max_bytes if max_bytes is None else min(max_bytes, policy.max_bytes)
        extra = validators.request_headers() if validators is not None else {}
        try:
            async with asyncio.timeout(policy.total_timeout):
                attempt = 0
                while True:
                    try:
                        fetched = await self._follow(url, extra, cap)
                    except httpx.TransportError as exc:
                        if attempt >= policy.retries:
                            raise FetchFailed(f"{url}: {exc!r}", _retry_reason(exc)) from exc
                    else:
                        if fetched.record.status not in _RETRY_STATUS or attempt >= policy.retries:
                            return fetched
                    await asyncio.sleep(policy.backoff * (2**attempt))
                    attempt += 1
        except TimeoutError as exc:
            raise FetchFailed(
                f"{url}: no complete answer within {policy.total_timeout:g} s",
                FailureReason.TIMEOUT,
            ) from exc

    async def _follow(self, url: str, extra: dict[str, str], cap: int) -> Fetched:
        policy = self.policy
        hops: list[RedirectHop] = []
        current = urldefrag(url).url
        for _ in range(policy.max_redirects + 1):
            headers = {
                "User-Agent": policy.user_agent,
                "Accept": "*/*",
                "Accept-Encoding": "gzip, deflate",
            }
            if not hops:
                headers.update(extra)
            try:
                check_url(current, policy)
                async with self._host_slot(current):
                    request = self._client.build_request("GET", current, headers=headers)
                    response = await self._client.send(request, stream=True)
                    try:
                        status = response.status_code
                        location = response.headers.get("location")
                        if status in _REDIRECTS and location:
                            hops.append(RedirectHop(current, status, location))
                            current = urldefrag(urljoin(current, location.strip())).url
                            continue
                        try:
                            body = b"" if status in (204, 304) else await self._read(response, cap)
                        except FetchError as exc:
                            exc.record = self._record(url, current, hops, response)
                            raise
                        return Fetched(self._record(url, current, hops, response, len(body)), body)
                    finally:
                        await response.aclose()
            except FetchError as exc:
                if exc.record is None:
                    exc.record = FetchRecord(
                        url=url,
                        status=0,
                        final_url=current,
                        fetched_at=datetime.now(UTC),
                        redirects=tuple(hops),
                    )
                raise
        raise FetchRefused(
            f"{url}: more than {policy.max_redirects} redirects",
            FetchRecord(
                url=url,
                status=hops[-1].status,
                final_url=current,
                fetched_at=datetime.now(UTC),
                redirects=tuple(hops),
            ),
        )

    @staticmethod
    def _record(
        url: str, final: str, hops: list[RedirectHop], response: httpx.Response, size: int = 0
    ) -> FetchRecord:
        return FetchRecord(
            url=url,
            status=response.status_code,
            final_url=final,
            fetched_at=datetime.now(UTC),
            redirects=tuple(hops),
            headers=tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw
            ),
            ip=_peer_ip(response),
            size=size,
        )

    async def _read(self, response: httpx.Response, cap: int) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > cap:
            raise FetchFailed(
                f"{response.url}: Content-Length {declared} is over {cap} bytes",
                FailureReason.TOO_LARGE,
            )
        decoder = _Decoder(response.headers.get("content-encoding"), self.policy.max_decoded_bytes)
        received = 0
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received > cap:
                raise FetchFailed(
                    f"{response.url}: body is over {cap} bytes", FailureReason.TOO_LARGE
                )
            decoder.feed(chunk)
        return decoder.body()
