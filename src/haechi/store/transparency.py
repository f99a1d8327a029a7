"""The queries behind the public transparency report: figures of one window of time, counted
in SQL, per host platform (:mod:`haechi.transparency.figures` turns them into the report).

The definitions are those of :mod:`haechi.notices.stats`, bounded in time:

- a notice counts in the window it was sent in (first notices and repeats, never discarded);
- an item (a reported hit) counts in the window of the *first* notice about it to its
  platform, and as removed once an item row of that platform says so by ``as_of``;
- a re-upload counts in the window it was found in: a hit of the same bank entry as an item
  already removed on a platform, found after that removal, not rejected by a person (the
  caller checks that its URL is on the same platform);
- an escalation is a block request sent in the window, attributed to the host platform of
  the notice it follows.

Only counts, times, platform names and the URLs needed to place a re-upload leave here; no
case, bank label or person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from haechi.store.models import HitRow, NoticeItemRow, NoticeRow, PlatformRow, ReviewRow

_HOST_KINDS = ("takedown", "repeat")
_BLOCK = "block-request"
_DISCARDED = "discarded"
_HOST = "host"
_REJECTED = "rejected"


@dataclass(frozen=True)
class Cohort:
    """Items first reported in a window on one platform: how many, how many came down."""

    reported: int
    removed: int


@dataclass(frozen=True)
class Candidate:
    """A hit that may be a re-upload on ``platform``: where it was found."""

    platform: str
    hit_id: int
    location: str
    found_in: str | None


def _sent_host_notices() -> Select[int, int, datetime | None, datetime | None]:
    """(platform id, hit id, first sent, first removed) of every item of sent host notices."""
    return (
        select(
            NoticeRow.platform_id,
            NoticeItemRow.hit_id,
            func.min(NoticeRow.sent_at).label("first_sent"),
            func.min(NoticeItemRow.removed_at).label("removed_at"),
        )
        .join(NoticeRow, NoticeRow.id == NoticeItemRow.notice_id)
        .where(
            NoticeRow.kind.in_(_HOST_KINDS),
            NoticeRow.sent_at.is_not(None),
            NoticeRow.status != _DISCARDED,
        )
        .group_by(NoticeRow.platform_id, NoticeItemRow.hit_id)
    )


def notices_sent(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Host notices (first and repeat) sent in ``[start, end)``, per host platform."""
    rows = session.execute(
        select(PlatformRow.name, func.count(NoticeRow.id))
        .join(PlatformRow, PlatformRow.id == NoticeRow.platform_id)
        .where(
            PlatformRow.kind == _HOST,
            NoticeRow.kind.in_(_HOST_KINDS),
            NoticeRow.status != _DISCARDED,
            NoticeRow.sent_at >= start,
            NoticeRow.sent_at < end,
        )
        .group_by(PlatformRow.name)
    )
    return {name: int(count) for name, count in rows}


def cohorts(
    session: Session, start: datetime, end: datetime, as_of: datetime
) -> dict[str, Cohort]:
    """Items first reported in ``[start, end)`` and how many were removed by ``as_of``."""
    items = _sent_host_notices().subquery()
    removed = case((items.c.removed_at <= as_of, 1), else_=0)
    rows = session.execute(
        select(PlatformRow.name, func.count(), func.coalesce(func.sum(removed), 0))
        .join(PlatformRow, PlatformRow.id == items.c.platform_id)
        .where(PlatformRow.kind == _HOST, items.c.first_sent >= start, items.c.first_sent < end)
        .group_by(PlatformRow.name)
    )
    return {name: Cohort(int(n), int(gone)) for name, n, gone in rows}


def removal_times(
    session: Session, start: datetime, end: datetime, as_of: datetime
) -> list[tuple[str, datetime, datetime]]:
    """(platform, first notice, removal) of each item first reported in ``[start, end)`` and
    removed by ``as_of``: the durations the medians are taken of."""
    items = _sent_host_notices().subquery()
    rows = session.execute(
        select(PlatformRow.name, items.c.first_sent, items.c.removed_at)
        .join(PlatformRow, PlatformRow.id == items.c.platform_id)
        .where(
            PlatformRow.kind == _HOST,
            items.c.first_sent >= start,
            items.c.first_sent < end,
            items.c.removed_at <= as_of,
        )
        .order_by(PlatformRow.name, items.c.hit_id)
    )
    return [(name, _utc(sent), _utc(gone)) for name, sent, gone in rows]


def reupload_candidates(
    session: Session, start: datetime, end: datetime, as_of: datetime
) -> list[Candidate]:
    """Hits found in ``[start, end)`` after an item of the same bank entry was removed on a
    platform (by ``as_of``), not rejected as false matches: one row per (platform, hit)."""
    items = _sent_host_notices().subquery()
    reported = aliased(HitRow)
    later = aliased(HitRow)
    rows = session.execute(
        select(PlatformRow.name, later.id, later.location, later.found_in)
        .select_from(items)
        .join(PlatformRow, PlatformRow.id == items.c.platform_id)
        .join(reported, reported.id == items.c.hit_id)
        .join(later, and_(later.entry_id == reported.entry_id, later.id != reported.id))
        .outerjoin(ReviewRow, ReviewRow.hit_id == later.id)
        .where(
            PlatformRow.kind == _HOST,
            items.c.removed_at <= as_of,
            later.found_at > items.c.removed_at,
            later.found_at >= start,
            later.found_at < end,
            or_(ReviewRow.decision.is_(None), ReviewRow.decision != _REJECTED),
        )
        .distinct()
        .order_by(PlatformRow.name, later.id)
    )
    return [Candidate(name, int(hit), location, page) for name, hit, location, page in rows]


def escalations(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Block requests sent to the regulator in ``[start, end)``, per host platform followed."""
    block = aliased(NoticeRow)
    host = aliased(NoticeRow)
    rows = session.execute(
        select(PlatformRow.name, func.count(block.id))
        .join(host, host.id == block.previous_id)
        .join(PlatformRow, PlatformRow.id == host.platform_id)
        .where(
            block.kind == _BLOCK,
            block.status != _DISCARDED,
            block.sent_at >= start,
            block.sent_at < end,
        )
        .group_by(PlatformRow.name)
    )
    return {name: int(count) for name, count in rows}


def platform_titles(session: Session) -> dict[str, str]:
    """Host platforms' public titles by name."""
    rows = session.execute(
        select(PlatformRow.name, PlatformRow.title).where(PlatformRow.kind == _HOST)
    )
    return {name: title for name, title in rows}


def _utc(value: datetime) -> datetime:
    # MIN() over a timestamp column comes back as the stored value; SQLite drops the zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
