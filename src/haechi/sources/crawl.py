"""The crawl engine shared by every source that fetches: pages, links, media, limits.

A web crawl, a list of URLs, the remote attachments of a Discord export and the links posted
in a chat log all come down to the same work: fetch some targets through the
:class:`~haechi.sources.fetch.SafeFetcher`, sniff what came back, yield media, and (for pages)
follow the links found in them, within limits on depth, pages, bytes and time.
:class:`Crawler` does that once, with a pool of asyncio workers, so the sources stay small.

Every target carries a :class:`Context` (who posted it, when, in which room) that the media
found through it inherit, so a picture found on a page linked from a chat message still says
which message it came from.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from haechi.sources.charset import html_readings
from haechi.sources.errors import FetchError
from haechi.sources.fetch import Fetched, SafeFetcher
from haechi.sources.html import extract_links
from haechi.sources.records import (
    FailureReason,
    Item,
    Media,
    MediaFailure,
    MediaSkipped,
    SkipReason,
    error_text,
)
from haechi.sources.safety import FetchPolicy, Resolver, system_resolver
from haechi.sources.sniff import SNIFF_BYTES, looks_like_html, sniff
from haechi.sources.validators import ValidatorCache, Validators

_THREAD_PARSE_BYTES = 256 * 1024  # bigger pages are parsed off the event loop


@dataclass(frozen=True)
class CrawlLimits:
    """How far and how long a crawl may go.

    Depth 0 is the seed pages themselves (and the media on them); depth 1 adds the pages they
    link to, and so on. Media never count as depth.
    """

    max_depth: int = 2
    max_pages: int = 500
    max_media: int = 20_000
    max_page_bytes: int = 8 * 1024 * 1024
    max_file_bytes: int = 64 * 1024 * 1024
    max_total_bytes: int = 4 * 1024 * 1024 * 1024
    max_seconds: float = 900.0
    same_site: bool = True  # follow page links only within the seeds' sites
    workers: int = 16


class Expect(StrEnum):
    """What a target is believed to be before it is fetched."""

    PAGE = "page"
    MEDIA = "media"
    ANY = "any"


@dataclass(frozen=True)
class Context:
    """What is known about where a target was found; media found through it inherit it.

    ``found_at`` defaults to the page the media was on, or the media URL itself.
    """

    found_at: str | None = None
    container: str | None = None
    container_id: str | None = None
    poster: str | None = None
    poster_id: str | None = None
    posted_at: datetime | None = None
    message_id: str | None = None
    group_id: str | None = None
    forwarded_from: str | None = None
    forwarded_from_id: str | None = None
    filename: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Target:
    """One URL to fetch, what it is expected to be, and what is known about it."""

    url: str
    expect: Expect = Expect.ANY
    context: Context = field(default_factory=Context)


@dataclass
class CrawlStats:
    """Counts of one crawl, and which limit (if any) stopped it."""

    pages: int = 0
    media: int = 0
    not_modified: int = 0
    failures: int = 0
    skipped: int = 0
    bytes: int = 0
    stopped_by: str | None = None


@dataclass(frozen=True)
class _Job:
    url: str
    depth: int
    expect: Expect
    context: Context
    discovered: bool  # found on a page (deduplicated) rather than given as a target


_DONE = object()


def _basename(url: str) -> str | None:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name or None


def site_of(host: str) -> str:
    """The host without a leading ``www.``: what "same site" compares."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


class _Run:
    """The mutable state of one crawl, shared by its workers (all on one event loop)."""

    def __init__(self, limits: CrawlLimits, deadline: float) -> None:
        self.frontier: asyncio.Queue[_Job] = asyncio.Queue()
        self.out: asyncio.Queue[object] = asyncio.Queue(maxsize=256)
        self.seen: set[str] = set()
        self.sites: set[str] = set()
        self.stats = CrawlStats()
        self.pages_scheduled = 0
        self.media_yielded = 0
        self.deadline = deadline
        self.limits_hit: set[str] = set()
        self.stopped = False

    def in_site(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        site = site_of(host)
        return any(site == s or site.endswith("." + s) for s in self.sites)


class Crawler:
    """Fetches targets and what their pages link to, yielding records as they complete.

    One crawler runs one crawl at a time; :attr:`stats` describes the last (or current) one.
    """

    def __init__(
        self,
        kind: str,
        *,
        limits: CrawlLimits | None = None,
        policy: FetchPolicy | None = None,
        cache: ValidatorCache | None = None,
        fetcher: SafeFetcher | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.kind = kind
        self.limits = limits if limits is not None else CrawlLimits()
        self.policy = policy if policy is not None else FetchPolicy()
        self.cache = cache
        self._fetcher = fetcher
        self._resolver = resolver
        self.stats = CrawlStats()

    async def run(self, targets: Iterable[Target]) -> AsyncIterator[Item]:
        """Crawl from ``targets``; yield media, failures and skips as they happen."""
        loop = asyncio.get_running_loop()
        run = _Run(self.limits, loop.time() + self.limits.max_seconds)
        self.stats = run.stats
        for target in targets:
            host = urlsplit(target.url).hostname
            if host:
                run.sites.add(site_of(host))
            if target.expect != Expect.MEDIA:
                run.pages_scheduled += 1
            run.frontier.put_nowait(_Job(target.url, 0, target.expect, target.context, False))
        own = self._fetcher is None
        fetcher = (
            self._fetcher
            if self._fetcher is not None
            else SafeFetcher(self.policy, resolver=self._resolver)
        )
        workers = [
            asyncio.create_task(self._worker(run, fetcher)) for _ in range(self.limits.workers)
        ]
        workers.append(asyncio.create_task(self._finish(run)))
        try:
            while True:
                entry = await run.out.get()
                if entry is _DONE:
                    break
                assert isinstance(entry, Media | MediaFailure | MediaSkipped)
                yield entry
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            if own:
                await fetcher.aclose()

    @staticmethod
    async def _finish(run: _Run) -> None:
        await run.frontier.join()
        await run.out.put(_DONE)

    async def _worker(self, run: _Run, fetcher: SafeFetcher) -> None:
        while True:
            job = await run.frontier.get()
            try:
                if not run.stopped:
                    await self._process(run, fetcher, job)
            except Exception as exc:  # one item ends with a recorded failure; the crawl goes on
                await self._emit(run, self._failure(job, FailureReason.ERROR, error_text(exc)))
            finally:
                run.frontier.task_done()

    async def _emit(self, run: _Run, item: Item) -> None:
        if isinstance(item, MediaFailure):
            run.stats.failures += 1
        elif isinstance(item, MediaSkipped):
            run.stats.skipped += 1
        await run.out.put(item)

    async def _limit(self, run: _Run, name: str, job: _Job, stop: bool = False) -> None:
        """Record a limit once (as a skip record) and, for global limits, stop the crawl."""
        if stop:
            run.stopped = True
            run.stats.stopped_by = run.stats.stopped_by or name
        if name not in run.limits_hit:
            run.limits_hit.add(name)
            await self._emit(
                run,
                MediaSkipped(
                    self.kind,
                    job.context.found_at or job.url,
                    SkipReason.LIMIT,
                    f"crawl limit {name} reached; further items were not fetched",
                    url=job.url,
                ),
            )

    def _failure(
        self, job: _Job, reason: FailureReason, detail: str, fetched: Fetched | None = None
    ) -> MediaFailure:
        return MediaFailure(
            self.kind,
            job.context.found_at or job.url,
            reason,
            detail,
            url=job.url,
            container=job.context.container,
            message_id=job.context.message_id,
            fetch=fetched.record if fetched is not None else None,
        )

    async def _process(self, run: _Run, fetcher: SafeFetcher, job: _Job) -> None:
        limits = self.limits
        if job.expect == Expect.MEDIA:
            cap = limits.max_file_bytes
        elif job.expect == Expect.PAGE:
            cap = limits.max_page_bytes
        else:
            cap = max(limits.max_file_bytes, limits.max_page_bytes)
        cached = self.cache.get(job.url) if self.cache is not None else None
        try:
            async with asyncio.timeout_at(run.deadline):
                fetched = await fetcher.fetch(
                    job.url, validators=cached if cached and cached.usable else None, max_bytes=cap
                )
        except TimeoutError:
            await self._limit(run, "max_seconds", job, stop=True)
            return
        except FetchError as exc:
            failure = self._failure(job, exc.reason, str(exc))
            await self._emit(run, replace(failure, fetch=exc.record))
            return

        run.stats.bytes += len(fetched.body)
        if run.stats.bytes > limits.max_total_bytes:
            await self._limit(run, "max_total_bytes", job, stop=True)
        if fetched.not_modified and cached is not None:
            run.stats.not_modified += 1
            await self._follow(run, job, cached.pages, cached.media)
            was_page = job.expect == Expect.PAGE or bool(cached.pages or cached.media)
            if not was_page:
                await self._emit(
                    run,
                    MediaSkipped(
                        self.kind,
                        job.context.found_at or job.url,
                        SkipReason.NOT_MODIFIED,
                        "unchanged since the last scan (304)",
                        url=job.url,
                        message_id=job.context.message_id,
                        fetch=fetched.record,
                    ),
                )
            return
        if not fetched.ok:
            await self._emit(
                run,
                self._failure(
                    job, FailureReason.HTTP_STATUS, f"HTTP {fetched.record.status}", fetched
                ),
            )
            return

        head = fetched.body[:SNIFF_BYTES]
        media_type = sniff(head)
        if media_type is not None:
            await self._yield_media(run, job, fetched, media_type)
            self._remember(job.url, fetched)
            return
        if job.expect != Expect.MEDIA and looks_like_html(
            head, fetched.record.header("content-type")
        ):
            run.stats.pages += 1
            pages, media = await self._links(fetched)
            self._remember(job.url, fetched, pages, media)
            await self._follow(run, job, pages, media, fetched.record.final_url)
            return
        if job.expect == Expect.MEDIA:
            detail = f"not an image or video ({fetched.record.header('content-type') or 'no type'})"
            await self._emit(run, self._failure(job, FailureReason.NOT_MEDIA, detail, fetched))
        else:
            await self._emit(
                run,
                MediaSkipped(
                    self.kind,
                    job.context.found_at or job.url,
                    SkipReason.NOT_MEDIA,
                    "neither media nor an HTML page",
                    url=job.url,
                    message_id=job.context.message_id,
                    fetch=fetched.record,
                ),
            )

    async def _yield_media(self, run: _Run, job: _Job, fetched: Fetched, media_type: str) -> None:
        if run.media_yielded >= self.limits.max_media:
            await self._limit(run, "max_media", job, stop=True)
            return
        run.media_yielded += 1
        run.stats.media += 1
        ctx = job.context
        await run.out.put(
            Media(
                source_kind=self.kind,
                found_at=ctx.found_at or job.url,
                data=fetched.body,
                url=job.url,
                container=ctx.container,
                container_id=ctx.container_id,
                poster=ctx.poster,
                poster_id=ctx.poster_id,
                posted_at=ctx.posted_at,
                message_id=ctx.message_id,
                group_id=ctx.group_id,
                forwarded_from=ctx.forwarded_from,
                forwarded_from_id=ctx.forwarded_from_id,
                filename=ctx.filename or _basename(job.url),
                media_type=media_type,
                note=ctx.note,
                fetch=fetched.record,
            )
        )

    async def _links(self, fetched: Fetched) -> tuple[tuple[str, ...], tuple[str, ...]]:
        body = fetched.body
        content_type = fetched.record.header("content-type")
        base = fetched.record.final_url

        def parse() -> tuple[tuple[str, ...], tuple[str, ...]]:
            pages: dict[str, None] = {}
            media: dict[str, None] = {}
            for text in html_readings(body, content_type):
                links = extract_links(text, base)
                pages.update(dict.fromkeys(links.pages))
                media.update(dict.fromkeys(links.media))
            return tuple(pages), tuple(media)

        if len(body) > _THREAD_PARSE_BYTES:
            return await asyncio.to_thread(parse)
        return parse()

    def _remember(
        self,
        url: str,
        fetched: Fetched,
        pages: tuple[str, ...] = (),
        media: tuple[str, ...] = (),
    ) -> None:
        if self.cache is None:
            return
        validators = fetched.validators()
        if validators.usable:
            self.cache.put(url, Validators(validators.etag, validators.last_modified, pages, media))

    async def _follow(
        self,
        run: _Run,
        job: _Job,
        pages: Iterable[str],
        media: Iterable[str],
        page_url: str | None = None,
    ) -> None:
        if job.expect == Expect.MEDIA:
            return
        page_url = page_url or job.url
        run.seen.add(job.url)
        run.seen.add(page_url)
        child = replace(job.context, found_at=page_url, container=job.context.container or page_url)
        for url in media:
            if url not in run.seen:
                run.seen.add(url)
                run.frontier.put_nowait(_Job(url, job.depth, Expect.MEDIA, child, True))
        if job.depth + 1 > self.limits.max_depth:
            return
        for url in pages:
            if url in run.seen or (self.limits.same_site and not run.in_site(url)):
                continue
            if run.pages_scheduled >= self.limits.max_pages:
                await self._limit(run, "max_pages", job)
                return
            run.seen.add(url)
            run.pages_scheduled += 1
            run.frontier.put_nowait(_Job(url, job.depth + 1, Expect.PAGE, child, True))
