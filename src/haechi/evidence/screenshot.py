"""A full-page screenshot of the captured page, in headless Chromium through Playwright.

A screenshot is what a police officer or a judge looks at first, so it must show the page as
captured, and taking it must not open a way around the fetch safety rules. Hence:

- the page's HTML is not fetched again: the browser is handed the very response that went into
  the WARC (``route.fulfill``), so the picture and the archived bytes are of the same answer;
- every other request the page makes (images, styles, scripts, frames) is intercepted and
  fetched by the evidence recorder, through the same guarded client (private addresses
  refused), capped in count and bytes (each request reserves its bytes before fetching, so
  requests in parallel cannot overrun the cap), and preserved as WARC records beside the page;
- Chromium itself is cut off from the network: its own DNS resolves nothing and everything it
  would send past the interception goes to a dead proxy, service workers are blocked and web
  sockets closed.

Only Debian's ``/usr/bin/chromium`` is used (``executable_path``); a browser is never
downloaded. Without one, :class:`ChromiumScreenshotter` says so in the outcome and the capture
goes on without a picture: a missing browser must never cost the WARC.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, Playwright, Route, WebSocketRoute, async_playwright
from playwright.async_api import Error as PlaywrightError

from haechi.evidence.log import utc_now
from haechi.evidence.model import HttpExchange, Retrieval, ScreenshotOutcome, ScreenshotStatus
from haechi.evidence.recorder import HttpRecorder, decode_body

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Defence in depth: whatever slips past request interception reaches nothing.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)
_DROP_HEADERS = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)


class Screenshotter(ABC):
    """Takes the picture of a captured page."""

    @abstractmethod
    async def shoot(
        self, url: str, document: HttpExchange, recorder: HttpRecorder
    ) -> ScreenshotOutcome:
        """A full-page screenshot of ``document`` (the final answer for ``url``).

        Never raises for the page's or the browser's faults: those come back as a
        :class:`ScreenshotOutcome` that says what went wrong. Subresources are fetched with
        ``recorder`` and returned in the outcome.
        """

    async def aclose(self) -> None:  # noqa: B027  # optional hook, nothing to close by default
        """Release the browser, if one was started."""


class NoScreenshots(Screenshotter):
    """Captures without a picture, saying why (the caller's choice, or no browser here)."""

    def __init__(self, reason: str = "screenshots are turned off") -> None:
        self.reason = reason

    async def shoot(
        self, url: str, document: HttpExchange, recorder: HttpRecorder
    ) -> ScreenshotOutcome:
        return ScreenshotOutcome.not_taken(self.reason)


@dataclass(frozen=True)
class BrowserLimits:
    """Bounds of one screenshot: time, page size, and what the page may pull in."""

    timeout: float = 20.0  # seconds for loading and shooting
    settle: float = 1.0  # extra seconds for late requests after "load"
    width: int = 1280
    height: int = 800
    max_subresources: int = 200
    max_subresource_bytes: int = 32 * 1024 * 1024  # all subresources together
    max_subresource_share: int = 8 * 1024 * 1024  # reserved at once by one request
    max_decoded_bytes: int = 64 * 1024 * 1024


def _fulfil_headers(exchange: HttpExchange) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in exchange.response_headers:
        if name.lower() in _DROP_HEADERS:
            continue
        key = name.lower()
        headers[key] = f"{headers[key]}\n{value}" if key in headers else value
    return headers


class _Allowance:
    """The subresource byte cap, shared by concurrent requests.

    Browsers fetch subresources in parallel, so "what is left" read before a fetch is stale by
    the time it ends. Each request therefore *reserves* its share before fetching (at most
    ``share``; it waits while others hold reservations that may come back) and returns what
    it did not use afterwards. The bytes reserved plus the bytes used never pass ``cap``.
    """

    def __init__(self, cap: int, share: int) -> None:
        self.cap = cap
        self.share = max(1, share)
        self.used = 0
        self.reserved = 0
        self._changed = asyncio.Condition()

    async def reserve(self) -> int:
        """Bytes this request may fetch; 0 when the cap is spent."""
        async with self._changed:
            while True:
                free = self.cap - self.used - self.reserved
                if free >= self.share or (free > 0 and self.reserved == 0):
                    grant = min(free, self.share)
                    self.reserved += grant
                    return grant
                if self.reserved == 0:
                    return 0
                await self._changed.wait()

    async def settle(self, grant: int, used: int) -> None:
        """Count the ``used`` bytes and hand the rest of ``grant`` back.

        ``used`` is at most ``grant``: the recorder caps a whole redirect chain at it.
        """
        async with self._changed:
            self.reserved -= grant
            self.used += used
            self._changed.notify_all()


class _PageSession:
    """Serves one page's requests: the document from the capture, the rest via the recorder."""

    def __init__(
        self, url: str, document: HttpExchange, recorder: HttpRecorder, limits: BrowserLimits
    ) -> None:
        self.url = document.url
        self.document = document
        self.recorder = recorder
        self.limits = limits
        self.exchanges: list[HttpExchange] = []
        self.blocked: list[tuple[str, str]] = []
        self.allowance = _Allowance(limits.max_subresource_bytes, limits.max_subresource_share)
        self.requests = 0

    @property
    def bytes(self) -> int:
        """Subresource bytes fetched so far."""
        return self.allowance.used

    async def handle(self, route: Route) -> None:
        request = route.request
        if request.url.split("#", 1)[0] == self.url and request.is_navigation_request():
            await route.fulfill(
                status=self.document.status,
                headers=_fulfil_headers(self.document),
                body=decode_body(self.document, self.limits.max_decoded_bytes),
            )
            return
        if request.method != "GET" or not request.url.startswith(("http://", "https://")):
            self.blocked.append((request.url[:2000], f"{request.method} is not fetched"))
            await route.abort("blockedbyclient")
            return
        self.requests += 1
        over = self.requests > self.limits.max_subresources
        grant = 0 if over else await self.allowance.reserve()
        if grant <= 0:
            self.blocked.append((request.url[:2000], "over the subresource limits"))
            await route.abort("blockedbyclient")
            return
        retrieval: Retrieval | None = None
        try:
            retrieval = await self.recorder.retrieve(request.url, max_bytes=grant)
        finally:
            used = sum(len(e.body) for e in retrieval.exchanges) if retrieval else 0
            await self.allowance.settle(grant, used)
        self.exchanges.extend(retrieval.exchanges)
        final = retrieval.final
        if not retrieval.ok or final is None:
            self.blocked.append((request.url[:2000], retrieval.error or "no final answer"))
            await route.abort("addressunreachable")
            return
        await route.fulfill(
            status=final.status,
            headers=_fulfil_headers(final),
            body=decode_body(final, self.limits.max_decoded_bytes),
        )


async def _close_socket(ws: WebSocketRoute) -> None:
    await ws.close(code=1008, reason="haechi evidence capture: no live connections")


class ChromiumScreenshotter(Screenshotter):
    """Headless Debian Chromium, started on first use and kept for later captures.

    Each page gets a fresh browser context (no cookies or storage carried between captures).
    Use as ``async with ChromiumScreenshotter() as camera`` or call :meth:`aclose`.
    """

    def __init__(
        self, executable: Path = DEBIAN_CHROMIUM, limits: BrowserLimits | None = None
    ) -> None:
        self.executable = executable
        self.limits = limits if limits is not None else BrowserLimits()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._unavailable: str | None = None

    async def __aenter__(self) -> ChromiumScreenshotter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _ensure_browser(self) -> Browser | None:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if not self.executable.is_file():
            self._unavailable = (
                f"no browser: {self.executable} is not installed (apt-get install chromium)"
            )
            return None
        try:
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(
                executable_path=str(self.executable),
                args=list(CHROMIUM_ARGS),
                headless=True,
                timeout=self.limits.timeout * 1000,
            )
        except PlaywrightError as exc:
            self._unavailable = f"the browser did not start: {exc.message.splitlines()[0]}"
            return None
        self._unavailable = None
        return self._browser

    async def shoot(
        self, url: str, document: HttpExchange, recorder: HttpRecorder
    ) -> ScreenshotOutcome:
        browser = await self._ensure_browser()
        if browser is None:
            return ScreenshotOutcome.not_taken(self._unavailable or "no browser")
        version = f"Chromium {browser.version}"
        session = _PageSession(url, document, recorder, self.limits)
        limits = self.limits
        try:
            context = await browser.new_context(
                service_workers="block",
                accept_downloads=False,
                viewport={"width": limits.width, "height": limits.height},
            )
        except PlaywrightError as exc:
            return ScreenshotOutcome.failed(f"browser context: {exc.message}", version)
        try:
            await context.route("**/*", session.handle)
            await context.route_web_socket("**/*", _close_socket)
            page = await context.new_page()
            await page.goto(document.url, wait_until="load", timeout=limits.timeout * 1000)
            # A page that keeps polling is shot as it is after the settle time.
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("networkidle", timeout=limits.settle * 1000)
            taken_at = utc_now()
            png = await page.screenshot(
                full_page=True, type="png", animations="disabled", timeout=limits.timeout * 1000
            )
        except PlaywrightError as exc:
            return ScreenshotOutcome(
                status=ScreenshotStatus.FAILED,
                reason=f"the page could not be shot: {exc.message.splitlines()[0]}",
                browser=version,
                subresources=tuple(session.exchanges),
                blocked=tuple(session.blocked),
            )
        finally:
            # If the browser died, the next capture starts a new one.
            with contextlib.suppress(PlaywrightError):
                await context.close()
        return ScreenshotOutcome(
            status=ScreenshotStatus.TAKEN,
            png=png,
            taken_at=taken_at,
            browser=version,
            subresources=tuple(session.exchanges),
            blocked=tuple(session.blocked),
        )

    async def aclose(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(PlaywrightError):
                await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
