"""The ``url-list`` source: URLs a volunteer collected, with where and when they saw them.

Reports arrive as lists: a spreadsheet of links from a tip line, a text file pasted from a
forum. Each URL is fetched once through the safe fetcher; if it is a page rather than a file,
the media on that page are fetched too (depth 0 by default: image-host pages wrap the file in
HTML). The context columns travel with every media item found through the row.

Accepted files:

- ``.txt``: one URL per line; blank lines and lines starting with ``#`` are ignored;
- ``.csv``: a header row with ``url`` and optionally ``page``, ``poster``, ``posted_at``
  (ISO 8601; without an offset, UTC) and ``note``; a file whose first cell is a URL is read as
  a single column of URLs;
- ``.json``: a list of URL strings or of objects with the same keys, or ``{"urls": [...]}``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from haechi.sources.base import Source
from haechi.sources.crawl import Context, Crawler, CrawlLimits, CrawlStats, Expect, Target
from haechi.sources.errors import SourceError, SourceFormatError
from haechi.sources.jsondoc import parse_json
from haechi.sources.records import FailureReason, Item, MediaFailure, utc
from haechi.sources.safety import FetchPolicy, Resolver, system_resolver
from haechi.sources.validators import ValidatorCache

COLUMNS = ("url", "page", "poster", "posted_at", "note")
MAX_LIST_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class ListedUrl:
    """One row of a URL list; ``line`` is its 1-based line or item number for messages."""

    line: int
    url: str
    page: str | None = None
    poster: str | None = None
    posted_at: str | None = None
    note: str | None = None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _rows_txt(text: str) -> Iterator[ListedUrl]:
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield ListedUrl(n, stripped)


def _rows_csv(text: str) -> Iterator[ListedUrl]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return
    header = [h.strip().lower().lstrip("\ufeff") for h in rows[0]]
    if "url" not in header:
        if rows[0] and rows[0][0].strip().lower().startswith(("http://", "https://")):
            for n, row in enumerate(rows, 1):
                if row and row[0].strip():
                    yield ListedUrl(n, row[0].strip())
            return
        raise SourceFormatError("a CSV URL list needs a header row with a 'url' column")
    index = {name: header.index(name) for name in COLUMNS if name in header}
    for n, row in enumerate(rows[1:], 2):
        cells = {k: _clean(row[i]) if i < len(row) else None for k, i in index.items()}
        url = cells.pop("url")
        if url:
            yield ListedUrl(n, url, **cells)


def _rows_json(doc: Any) -> Iterator[ListedUrl]:
    if isinstance(doc, dict) and isinstance(doc.get("urls"), list):
        doc = doc["urls"]
    if not isinstance(doc, list):
        raise SourceFormatError("a JSON URL list is a list (or {'urls': [...]})")
    for n, entry in enumerate(doc, 1):
        if isinstance(entry, str) and entry.strip():
            yield ListedUrl(n, entry.strip())
        elif isinstance(entry, dict) and _clean(entry.get("url")):
            yield ListedUrl(n, **{k: _clean(entry.get(k)) for k in COLUMNS})  # type: ignore[arg-type]


def read_url_list(path: Path) -> list[ListedUrl]:
    """The rows of a ``.txt``, ``.csv`` or ``.json`` URL list."""
    try:
        if path.stat().st_size > MAX_LIST_BYTES:
            raise SourceFormatError(f"{path}: larger than {MAX_LIST_BYTES} bytes; split it")
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc})") from exc
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return list(_rows_csv(text))
        if suffix == ".json":
            return list(_rows_json(parse_json(text.encode("utf-8"), str(path))))
    except ValueError as exc:
        raise SourceFormatError(f"{path}: {exc}") from exc
    return list(_rows_txt(text))


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time as UTC (no offset means UTC).

    Raises ``ValueError`` if it is not one and ``OverflowError`` if it falls before year 1 in UTC.
    """
    if text is None:
        return None
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


class UrlListSource(Source):
    """Fetch every URL of a list file (and the media on those that are pages)."""

    kind = "url-list"

    def __init__(
        self,
        path: Path,
        *,
        policy: FetchPolicy | None = None,
        limits: CrawlLimits | None = None,
        cache: ValidatorCache | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.path = path
        self._crawler = Crawler(
            self.kind,
            limits=limits if limits is not None else CrawlLimits(max_depth=0),
            policy=policy,
            cache=cache,
            resolver=resolver,
        )

    @property
    def stats(self) -> CrawlStats:
        """Counts of the last (or current) run."""
        return self._crawler.stats

    async def items(self) -> AsyncIterator[Item]:
        targets: list[Target] = []
        where = self.path.absolute().as_uri()
        for row in read_url_list(self.path):
            try:
                posted_at = parse_time(row.posted_at)
            except (ValueError, OverflowError):  # not a time, or one before year 1 in UTC
                yield MediaFailure(
                    self.kind, f"{where}#line={row.line}", FailureReason.BAD_RECORD,
                    f"line {row.line}: posted_at {row.posted_at!r} is not an ISO 8601 time",
                    url=row.url,
                )  # fmt: skip
                continue
            context = Context(
                found_at=row.page,
                container=row.page,
                poster=row.poster,
                posted_at=posted_at,
                note=row.note,
            )
            targets.append(Target(row.url, Expect.ANY, context))
        async for item in self._crawler.run(targets):
            yield item
