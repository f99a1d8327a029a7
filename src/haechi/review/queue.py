"""The review queue as pages show it: filtered, sorted and cut into pages in SQL.

Only the page's hits are loaded (with their labels opened, their platform named and the number
of places the same file was seen); the filters (bank, source, platform, age) and sorts (id,
time found, distance, confidence) are conditions on indexed columns. Pages come by number and
say whether a next one exists, so no count over the whole queue is made.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from haechi.notices.drafting import platform_of
from haechi.notices.errors import ReviewError
from haechi.notices.model import Decision
from haechi.scan.model import Hit
from haechi.store.models import (
    BankRow,
    EntryRow,
    HitCaptureRow,
    HitRow,
    PlatformDomainRow,
    PlatformRow,
    ReviewRow,
)
from haechi.store.notices import PlatformStore
from haechi.store.review_models import QUEUE_INDEXES
from haechi.store.scans import ScanStore, box_of

SORTS = {
    "id": HitRow.id,
    "found": HitRow.found_at,
    "distance": HitRow.distance,
    "confidence": HitRow.confidence,
}
STATUSES = ("pending", "confirmed", "rejected")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class QueueQuery:
    """Which hits, in which order, which page."""

    status: str = "pending"
    bank: str | None = None
    source: str | None = None
    platform: str | None = None
    max_age_days: int | None = None
    sort: str = "id"
    descending: bool = False
    page: int = 1
    per_page: int = 50

    def checked(self) -> QueueQuery:
        """This query, or a clear error naming what is wrong."""
        if self.status not in STATUSES:
            raise ReviewError(f"status is one of {', '.join(STATUSES)}")
        if self.sort not in SORTS:
            raise ReviewError(f"sort by one of {', '.join(SORTS)}")
        if self.page < 1 or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ReviewError(f"pages count from 1 and hold 1 to {MAX_PER_PAGE} hits")
        if self.max_age_days is not None and self.max_age_days < 0:
            raise ReviewError("an age is a number of days, 0 or more")
        return replace(
            self,
            bank=self.bank or None,
            source=self.source or None,
            platform=self.platform or None,
        )

    def params(self, **changes: object) -> dict[str, str]:
        """Query-string parameters of this query with ``changes`` (for links)."""
        values = {**vars(self), **changes}
        out = {
            "status": str(values["status"]),
            "sort": str(values["sort"]),
            "order": "desc" if values["descending"] else "asc",
            "page": str(values["page"]),
            "per_page": str(values["per_page"]),
        }
        for key in ("bank", "source", "platform", "max_age_days"):
            if values[key] is not None:
                out[key] = str(values[key])
        return out


@dataclass(frozen=True)
class QueueItem:
    """A hit as the queue shows it, with what a reviewer weighs."""

    hit: Hit
    region: tuple[float, float, float, float] | None
    """The crop of the registered picture that verified a local-features match."""
    sightings: int  # places the same file was seen (this one included)
    platform: str | None
    has_capture: bool
    decision: Decision | None
    found_region: tuple[float, float, float, float] | None = None
    """Where the registered picture lies in the found file: outlined on its preview."""

    def as_json(self) -> dict[str, object]:
        """The hit's stable JSON form plus the queue's fields."""
        return {
            **self.hit.as_json(),
            "region": list(self.region) if self.region else None,
            "found_region": list(self.found_region) if self.found_region else None,
            "sightings": self.sightings,
            "platform": self.platform,
            "preview": self.has_capture,
            "review": self.decision.value if self.decision else "pending",
        }


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue."""

    items: tuple[QueueItem, ...]
    query: QueueQuery
    has_next: bool


def region_of(text: str | None) -> tuple[float, float, float, float] | None:
    """A stored region (JSON ``[left, top, right, bottom]`` fractions), or none."""
    return box_of(text)


def _on_platform(session: Session, name: str) -> ColumnElement[bool]:
    domains = list(
        session.scalars(
            select(PlatformDomainRow.domain)
            .join(PlatformRow, PlatformRow.id == PlatformDomainRow.platform_id)
            .where(PlatformRow.name == name)
        )
    )
    if not domains:
        raise ReviewError(f"no platform {name!r} with domains in the directory")
    conditions: list[ColumnElement[bool]] = []
    for domain in domains:
        for column in (HitRow.location, HitRow.found_in):
            for pattern in (f"%://{domain}/%", f"%://{domain}", f"%://{domain}:%", f"%.{domain}/%"):
                conditions.append(column.like(pattern))
    return or_(*conditions)


def queue_page(session: Session, query: QueueQuery, now: datetime) -> QueuePage:
    """One page of hits with ``query.status``, filtered and sorted."""
    q = query.checked()
    select_ids = select(HitRow.id).outerjoin(ReviewRow, ReviewRow.hit_id == HitRow.id)
    if q.status == "pending":
        select_ids = select_ids.where(ReviewRow.id.is_(None))
    else:
        select_ids = select_ids.where(ReviewRow.decision == q.status)
    if q.bank is not None:
        select_ids = (
            select_ids.join(EntryRow, EntryRow.id == HitRow.entry_id)
            .join(BankRow, BankRow.id == EntryRow.bank_id)
            .where(BankRow.name == q.bank)
        )
    if q.source is not None:
        select_ids = select_ids.where(HitRow.source_kind == q.source)
    if q.platform is not None:
        select_ids = select_ids.where(_on_platform(session, q.platform))
    if q.max_age_days is not None:
        select_ids = select_ids.where(HitRow.found_at >= now - timedelta(days=q.max_age_days))
    column = SORTS[q.sort]
    if q.sort == "id":
        order: tuple[Any, ...] = (HitRow.id.desc(),) if q.descending else (HitRow.id,)
    else:
        order = (column.desc(), HitRow.id.desc()) if q.descending else (column.asc(), HitRow.id)
    ids = _page_ids(
        session,
        select_ids.order_by(*order).offset((q.page - 1) * q.per_page).limit(q.per_page + 1),
        q.sort,
    )
    has_next = len(ids) > q.per_page
    ids = ids[: q.per_page]
    return QueuePage(items_of(session, ids), q, has_next)


def _page_ids(session: Session, statement: Select[Any], sort: str) -> list[int]:
    """The ids ``statement`` selects, walking the sort's own index on SQLite.

    SQLite's planner, without statistics, starts from a filter's index (a bank's entries, a
    source) and then sorts every match: hundreds of milliseconds for a filter that keeps half
    of 100,000 hits. Walking the sort's index, which holds the filters' columns too, stops
    after one page of matches. SQLAlchemy renders no table hints for SQLite, so the compiled
    text gets ``INDEXED BY`` (the index name is ours, never input); other databases plan
    with statistics and run the statement as it is.
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return list(session.scalars(statement))
    dialect = sqlite.dialect(paramstyle="named")
    compiled = statement.compile(dialect=dialect)
    index = QUEUE_INDEXES[sort].name
    sql = str(compiled).replace("FROM hits", f"FROM hits INDEXED BY {index}", 1)
    params = {}
    for key, value in compiled.params.items():
        process = compiled.binds[key].type.bind_processor(dialect)
        params[key] = process(value) if process else value
    return list(session.scalars(text(sql), params))


def items_of(session: Session, ids: list[int]) -> tuple[QueueItem, ...]:
    """The queue's view of these hits, in the order given."""
    if not ids:
        return ()
    hits = {h.id: h for h in ScanStore(session).hits(hit_ids=ids)}
    regions = {
        hit_id: (region, found)
        for hit_id, region, found in session.execute(
            select(HitRow.id, HitRow.region, HitRow.found_region).where(HitRow.id.in_(ids))
        )
    }
    shas = list({h.sha256 for h in hits.values()})
    seen = dict(
        session.execute(
            select(HitRow.sha256, func.count(HitRow.id))
            .where(HitRow.sha256.in_(shas))
            .group_by(HitRow.sha256)
        ).all()
    )
    decisions = {
        hit_id: Decision(d)
        for hit_id, d in session.execute(
            select(ReviewRow.hit_id, ReviewRow.decision).where(ReviewRow.hit_id.in_(ids))
        )
    }
    captured = set(
        session.scalars(select(HitCaptureRow.hit_id).where(HitCaptureRow.hit_id.in_(ids)))
    )
    directory = PlatformStore(session).directory()
    out = []
    for hit_id in ids:
        hit = hits.get(hit_id)
        if hit is None:
            continue
        platform = platform_of(directory, hit)
        region, found = regions.get(hit_id, (None, None))
        out.append(
            QueueItem(
                hit,
                region_of(region),
                int(seen.get(hit.sha256, 1)),
                platform.name if platform else None,
                hit_id in captured,
                decisions.get(hit_id),
                region_of(found),
            )
        )
    return tuple(out)


def source_kinds() -> list[str]:
    """The source kinds a hit may come from (the filter's choices)."""
    from haechi.sources.registry import SOURCES

    return sorted(SOURCES)


def bank_names(session: Session) -> list[str]:
    """Every bank's name (the bank filter's choices)."""
    return list(session.scalars(select(BankRow.name).order_by(BankRow.name)))


def platform_names(session: Session) -> list[str]:
    """Every platform's name (the platform filter's choices)."""
    return list(session.scalars(select(PlatformRow.name).order_by(PlatformRow.name)))
