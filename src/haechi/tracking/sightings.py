"""Every sighting of registered content, as the database already holds it.

A sighting is one hit: where a copy was met (its URL or file, the page or message it was on),
when (the poster's time where the source gives it, else when haechi found it), on which
platform (the platform directory, by host) and in which country (the directory's, else a
lookup the caller hands in, such as routing data), and the accounts behind it (names and, in
``hit_accounts``, the ids). Captures, notices sent, re-checks and removals are read beside it,
so a timeline and the uploader links are views over what scans and casework recorded, never
a second record of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.notices.errors import PlatformError
from haechi.notices.platforms import Platform, normalise_domain
from haechi.store.models import (
    HitCaptureRow,
    HitRow,
    NoticeItemRow,
    NoticeRow,
    RecheckRow,
)
from haechi.store.notices import PlatformStore
from haechi.store.tracking_models import HitAccountRow

CountryLookup = Callable[[str], str | None]
"""A host's country where the platform directory does not know it (e.g. routing data)."""

_CHUNK = 500
_WHOLE = 5000  # more hits than this are read in one pass over the table


@dataclass(frozen=True)
class Capture:
    """A sealed capture of a sighting, by its evidence-log id."""

    id: str
    kind: str
    sealed_at: datetime


@dataclass(frozen=True)
class Report:
    """A notice that cited a sighting and was sent."""

    notice_id: int
    kind: str
    platform: str
    sent_at: datetime


@dataclass(frozen=True)
class Removal:
    """When a sighting was seen gone, and what said so."""

    at: datetime
    how: str


@dataclass(frozen=True)
class Sighting:
    """One hit as the tracking views see it."""

    hit_id: int
    entry_id: int
    sha256: str
    location: str
    page: str | None
    source_kind: str
    found_at: datetime
    posted_at: datetime | None
    platform: str | None
    country: str | None
    container: str | None
    poster: str | None
    forwarded_from: str | None
    container_id: str | None
    poster_id: str | None
    forwarded_from_id: str | None
    captures: tuple[Capture, ...] = ()
    reports: tuple[Report, ...] = ()
    removal: Removal | None = None
    host: str | None = None  # of the page it was on (or of the file, for a bare media URL)
    media_host: str | None = None  # of the file, when not the page's (a CDN behind a board)

    def __post_init__(self) -> None:
        if self.host is None and self.media_host is None:  # not handed in: from the URLs
            file_host, page_host = _host(self.location), _host(self.page)
            host = page_host or file_host
            object.__setattr__(self, "host", host)
            if file_host is not None and file_host != host:
                object.__setattr__(self, "media_host", file_host)

    @property
    def seen_at(self) -> datetime:
        """When the copy was up: the poster's time where known, else when haechi found it."""
        return self.posted_at or self.found_at

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form (entries by id only: no bank, label or case)."""
        return {
            "hit": self.hit_id,
            "entry": self.entry_id,
            "sha256": self.sha256,
            "location": self.location,
            "page": self.page,
            "source": self.source_kind,
            "seen_at": self.seen_at.isoformat(),
            "found_at": self.found_at.isoformat(),
            "posted_at": self.posted_at.isoformat() if self.posted_at else None,
            "platform": self.platform,
            "country": self.country,
            "container": self.container,
            "poster": self.poster,
            "forwarded_from": self.forwarded_from,
            "captures": [c.id for c in self.captures],
            "reported_at": self.reports[0].sent_at.isoformat() if self.reports else None,
            "removed_at": self.removal.at.isoformat() if self.removal else None,
        }


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


_AUTHORITY = re.compile(r"[^/?#]*")


@lru_cache(maxsize=4096)
def _netloc_host(netloc: str) -> str | None:
    """The normalised host of a URL's authority part (``user@host:port``), or ``None``."""
    try:
        hostname = urlsplit(f"http://{netloc}/").hostname
        return normalise_domain(hostname) if hostname else None
    except (ValueError, PlatformError):
        return None


def _host(url: str | None) -> str | None:
    """:func:`~haechi.notices.platforms.host_of`, parsed once per authority: a hundred
    thousand hits live on a few hundred hosts, and IDNA work is most of a listing's time."""
    if not url:
        return None
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    match = _AUTHORITY.match(rest)
    return _netloc_host(match.group() if match else "")


_COLUMNS = (
    HitRow.id, HitRow.entry_id, HitRow.sha256, HitRow.location, HitRow.found_in,
    HitRow.source_kind, HitRow.found_at, HitRow.posted_at, HitRow.container, HitRow.poster,
    HitRow.forwarded_from, HitAccountRow.container_id, HitAccountRow.poster_id,
    HitAccountRow.forwarded_from_id, HitRow.evidence_state, HitRow.evidence_checked_at,
    HitRow.evidence_error,
)  # fmt: skip


def load_sightings(
    session: Session,
    *,
    hit_ids: Iterable[int] | None = None,
    entry_ids: Iterable[int] | None = None,
    locate: CountryLookup | None = None,
    casework: bool = True,
) -> list[Sighting]:
    """The sightings of the given hits and/or entries (every hit when neither is given).

    Ordered by when each copy was up, then by hit id, so the same data gives the same order.
    Without ``casework`` the notices, removals, platforms and countries are not read (the
    links need none of them).
    """
    query = select(*_COLUMNS).outerjoin(HitAccountRow, HitAccountRow.hit_id == HitRow.id)
    rows: dict[int, Any] = {}  # result rows of _COLUMNS, by hit id
    some = set(hit_ids) if hit_ids is not None else None
    # Many hits asked for (the link map's): one pass over the table, not thousands of lists.
    every = (some is None or len(some) > _WHOLE) and entry_ids is None
    if every:
        for row in session.execute(query):
            if some is None or row.id in some:
                rows[row.id] = row
    for column, wanted in ((HitRow.id, some), (HitRow.entry_id, entry_ids)):
        if wanted is None or every:
            continue
        for chunk in _chunks(sorted(set(wanted))):
            for row in session.execute(query.where(column.in_(chunk))):
                rows[row.id] = row
    ids = sorted(rows)
    captures = _captures(session, None if every else ids)
    reports, removals = _reports(session, None if every else ids) if casework else ({}, {})
    directory = PlatformStore(session).directory()
    platforms: dict[tuple[str | None, str | None], Platform | None] = {}
    out = []
    for hit_id in ids:
        r = rows[hit_id]
        file_host, page_host = _host(r.location), _host(r.found_in)
        host = page_host or file_host
        if not casework:
            platforms[(file_host, page_host)] = None
        elif (file_host, page_host) not in platforms:  # the file's platform, else the page's
            platforms[(file_host, page_host)] = next(
                (
                    found
                    for found in (directory.for_host(h) for h in (file_host, page_host) if h)
                    if found is not None
                ),
                None,
            )
        platform = platforms[(file_host, page_host)]
        country = platform.country if platform is not None else None
        if country is None and locate is not None and host is not None:
            found = locate(host)
            country = found.upper() if found else None
        out.append(
            Sighting(
                r.id, r.entry_id, r.sha256, r.location, r.found_in, r.source_kind, r.found_at,
                r.posted_at, platform.name if platform else None, country, r.container,
                r.poster, r.forwarded_from, r.container_id, r.poster_id, r.forwarded_from_id,
                tuple(captures.get(hit_id, ())),
                tuple(sorted(reports.get(hit_id, ()), key=lambda x: (x.sent_at, x.notice_id))),
                _removal(r, removals.get(hit_id, [])), host,
                file_host if file_host is not None and file_host != host else None,
            )
        )  # fmt: skip
    out.sort(key=lambda s: (s.seen_at, s.hit_id))
    return out


def _where(ids: Sequence[int] | None) -> Iterable[list[int] | None]:
    """The chunks of ids to ask for, or one ``None``: every row."""
    return [None] if ids is None else _chunks(ids)


def _captures(session: Session, ids: Sequence[int] | None) -> dict[int, list[Capture]]:
    out: dict[int, list[Capture]] = {}
    for chunk in _where(ids):
        query = select(HitCaptureRow).order_by(HitCaptureRow.sealed_at, HitCaptureRow.id)
        if chunk is not None:
            query = query.where(HitCaptureRow.hit_id.in_(chunk))
        rows = session.scalars(query)
        for row in rows:
            out.setdefault(row.hit_id, []).append(Capture(row.capture_id, row.kind, row.sealed_at))
    return out


def _reports(
    session: Session, ids: Sequence[int] | None
) -> tuple[dict[int, list[Report]], dict[int, list[Removal]]]:
    """Sent notices citing each hit, and every recorded sign that it is gone."""
    from haechi.store.models import PlatformRow

    reports: dict[int, list[Report]] = {}
    removals: dict[int, list[Removal]] = {}
    for chunk in _where(ids):
        query = (
            select(NoticeItemRow, NoticeRow.id, NoticeRow.kind, NoticeRow.sent_at, PlatformRow.name)
            .join(NoticeRow, NoticeRow.id == NoticeItemRow.notice_id)
            .join(PlatformRow, PlatformRow.id == NoticeRow.platform_id)
            .where(NoticeRow.sent_at.is_not(None))
        )
        checks = select(RecheckRow).where(RecheckRow.outcome == "removed")
        if chunk is not None:
            query = query.where(NoticeItemRow.hit_id.in_(chunk))
            checks = checks.where(RecheckRow.hit_id.in_(chunk))
        rows = session.execute(query)
        for item, notice_id, kind, sent_at, platform in rows:
            assert sent_at is not None  # the query asks for sent notices only
            reports.setdefault(item.hit_id, []).append(Report(notice_id, kind, platform, sent_at))
            if item.removed_at is not None:
                how = item.removal or "removal recorded"
                removals.setdefault(item.hit_id, []).append(Removal(item.removed_at, how))
        for check in session.scalars(checks):
            how = f"re-check: {check.detail}" if check.detail else "re-check: gone"
            removals.setdefault(check.hit_id, []).append(Removal(check.checked_at, how))
    return reports, removals


def _removal(hit: Any, removals: list[Removal]) -> Removal | None:
    """The first sign the copy was gone: a removal, a re-check, or gone before its capture."""
    found = list(removals)
    if hit.evidence_state == "gone" and hit.evidence_checked_at is not None:
        why = hit.evidence_error or "gone"
        found.append(Removal(hit.evidence_checked_at, f"gone before capture: {why}"))
    return min(found, key=lambda r: (r.at, r.how)) if found else None
