"""The ``web`` source: crawl a site from seed URLs and yield the images and videos on it.

The engine is :class:`~haechi.sources.crawl.Crawler`; this source only turns seed URLs into
targets. Pages are followed within the seeds' sites by default (abuse sites link out to ads
and trackers that are not worth fetching); media are fetched wherever they are hosted, since
such sites keep their files on separate image hosts and CDNs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from haechi.sources.base import Source
from haechi.sources.crawl import Crawler, CrawlLimits, CrawlStats, Expect, Target
from haechi.sources.records import Item
from haechi.sources.safety import FetchPolicy, Resolver, system_resolver
from haechi.sources.validators import ValidatorCache


class WebSource(Source):
    """Crawl from ``seeds`` within ``limits``; re-scans are conditional when given a ``cache``."""

    kind = "web"

    def __init__(
        self,
        seeds: Sequence[str],
        *,
        limits: CrawlLimits | None = None,
        policy: FetchPolicy | None = None,
        cache: ValidatorCache | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.seeds = tuple(seeds)
        self._crawler = Crawler(
            self.kind, limits=limits, policy=policy, cache=cache, resolver=resolver
        )

    @property
    def stats(self) -> CrawlStats:
        """Counts of the last (or current) crawl."""
        return self._crawler.stats

    def items(self) -> AsyncIterator[Item]:
        return self._crawler.run(Target(url, Expect.ANY) for url in self.seeds)
