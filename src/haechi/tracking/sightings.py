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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.notices.platforms import PlatformDirectory, host_of
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

    @property
    def seen_at(self) -> datetime:
        """When the copy was up: the poster's time where known, else when haechi found it."""
        return self.posted_at or self.found_at

    @property
    def host(self) -> str | None:
        """The host of the page it was on (or of the file, for a bare media URL)."""
        for url in (self.page, self.location):
            if url:
                host = host_of(url)
                if host is not None:
                    return host
        return None

    @property
    def media_host(self) -> str | None:
        """The host that served the file, when it is not the page's (a CDN behind a board)."""
        host = host_of(self.location)
        return host if host is not None and host != self.host else None

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


def _platform_of(directory: PlatformDirectory, row: HitRow) -> tuple[str | None, str | None]:
    """The hosting platform's name and country: by the file's URL, else its page's."""
    for url in (row.location, row.found_in):
        if url:
            found = directory.for_url(url)
            if found is not None:
                return found.name, found.country
    return None, None


def load_sightings(
    session: Session,
    *,
    hit_ids: Iterable[int] | None = None,
    entry_ids: Iterable[int] | None = None,
    locate: CountryLookup | None = None,
) -> list[Sighting]:
    """The sightings of the given hits and/or entries (every hit when neither is given).

    Ordered by when each copy was up, then by hit id, so the same data gives the same order.
    """
    query = select(HitRow, HitAccountRow).outerjoin(
        HitAccountRow, HitAccountRow.hit_id == HitRow.id
    )
    rows: dict[int, tuple[HitRow, HitAccountRow | None]] = {}
    if hit_ids is None and entry_ids is None:
        for hit, extra in session.execute(query):
            rows[hit.id] = (hit, extra)
    for column, wanted in ((HitRow.id, hit_ids), (HitRow.entry_id, entry_ids)):
        if wanted is None:
            continue
        for chunk in _chunks(sorted(set(wanted))):
            for hit, extra in session.execute(query.where(column.in_(chunk))):
                rows[hit.id] = (hit, extra)
    ids = sorted(rows)
    captures = _captures(session, ids)
    reports, removals = _reports(session, ids)
    directory = PlatformStore(session).directory()
    out = []
    for hit_id in ids:
        hit, account = rows[hit_id]
        platform, country = _platform_of(directory, hit)
        sighting = Sighting(
            hit.id, hit.entry_id, hit.sha256, hit.location, hit.found_in, hit.source_kind,
            hit.found_at, hit.posted_at, platform, country, hit.container, hit.poster,
            hit.forwarded_from,
            account.container_id if account else None,
            account.poster_id if account else None,
            account.forwarded_from_id if account else None,
            tuple(captures.get(hit.id, ())),
            tuple(sorted(reports.get(hit.id, ()), key=lambda r: (r.sent_at, r.notice_id))),
            _removal(hit, removals.get(hit.id, [])),
        )  # fmt: skip
        if country is None and locate is not None and sighting.host is not None:
            sighting = _with_country(sighting, locate(sighting.host))
        out.append(sighting)
    out.sort(key=lambda s: (s.seen_at, s.hit_id))
    return out


def _with_country(sighting: Sighting, country: str | None) -> Sighting:
    from dataclasses import replace

    return replace(sighting, country=country.upper() if country else None)


def _captures(session: Session, ids: Sequence[int]) -> dict[int, list[Capture]]:
    out: dict[int, list[Capture]] = {}
    for chunk in _chunks(ids):
        rows = session.scalars(
            select(HitCaptureRow)
            .where(HitCaptureRow.hit_id.in_(chunk))
            .order_by(HitCaptureRow.sealed_at, HitCaptureRow.id)
        )
        for row in rows:
            out.setdefault(row.hit_id, []).append(Capture(row.capture_id, row.kind, row.sealed_at))
    return out


def _reports(
    session: Session, ids: Sequence[int]
) -> tuple[dict[int, list[Report]], dict[int, list[Removal]]]:
    """Sent notices citing each hit, and every recorded sign that it is gone."""
    from haechi.store.models import PlatformRow

    reports: dict[int, list[Report]] = {}
    removals: dict[int, list[Removal]] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(NoticeItemRow, NoticeRow.id, NoticeRow.kind, NoticeRow.sent_at, PlatformRow.name)
            .join(NoticeRow, NoticeRow.id == NoticeItemRow.notice_id)
            .join(PlatformRow, PlatformRow.id == NoticeRow.platform_id)
            .where(NoticeItemRow.hit_id.in_(chunk), NoticeRow.sent_at.is_not(None))
        )
        for item, notice_id, kind, sent_at, platform in rows:
            assert sent_at is not None  # the query asks for sent notices only
            reports.setdefault(item.hit_id, []).append(Report(notice_id, kind, platform, sent_at))
            if item.removed_at is not None:
                how = item.removal or "removal recorded"
                removals.setdefault(item.hit_id, []).append(Removal(item.removed_at, how))
        checks = session.scalars(
            select(RecheckRow).where(RecheckRow.hit_id.in_(chunk), RecheckRow.outcome == "removed")
        )
        for check in checks:
            how = f"re-check: {check.detail}" if check.detail else "re-check: gone"
            removals.setdefault(check.hit_id, []).append(Removal(check.checked_at, how))
    return reports, removals


def _removal(hit: HitRow, removals: list[Removal]) -> Removal | None:
    """The first sign the copy was gone: a removal, a re-check, or gone before its capture."""
    found = list(removals)
    if hit.evidence_state == "gone" and hit.evidence_checked_at is not None:
        why = hit.evidence_error or "gone"
        found.append(Removal(hit.evidence_checked_at, f"gone before capture: {why}"))
    return min(found, key=lambda r: (r.at, r.how)) if found else None
