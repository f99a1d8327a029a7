"""Response statistics per platform: how fast, and how often, reported content comes down.

Per host platform: notices sent (first notices and repeats), items reported (distinct hits),
items removed, median and 90th-percentile time to removal (from the first notice about the
item to the re-check or mark that saw it gone), the share never removed, and re-uploads after
removal (later hits of the same bank entry on the same platform, unless a person rejected
them as false matches). Percentiles interpolate
linearly between ranks, as ``numpy.percentile`` does by default. Times come from the stored
timestamps, so an injected clock gives known figures.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import aliased

from haechi.notices.desk import Desk
from haechi.notices.drafting import platform_of
from haechi.notices.model import Decision, NoticeKind, NoticeStatus
from haechi.notices.platforms import PlatformKind
from haechi.store.models import HitRow, NoticeItemRow, NoticeRow, PlatformRow, ReviewRow
from haechi.store.notices import PlatformStore, ReviewStore

_HOST_KINDS = (NoticeKind.TAKEDOWN, NoticeKind.REPEAT)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class PlatformStats:
    """The figures of one platform."""

    platform: str
    notices_sent: int
    items_reported: int
    items_removed: int
    median_hours: float | None
    p90_hours: float | None
    reuploads: int

    @property
    def never_removed_share(self) -> float | None:
        """Share of reported items still not seen removed."""
        if not self.items_reported:
            return None
        return (self.items_reported - self.items_removed) / self.items_reported

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        share = self.never_removed_share
        return {
            "platform": self.platform,
            "notices_sent": self.notices_sent,
            "items_reported": self.items_reported,
            "items_removed": self.items_removed,
            "median_hours_to_removal": self.median_hours,
            "p90_hours_to_removal": self.p90_hours,
            "never_removed_share": share,
            "reuploads_after_removal": self.reuploads,
        }


def _host_notices() -> tuple[ColumnElement[bool], ...]:
    """Sent, not discarded takedown notices (first and repeat) to host platforms."""
    return (
        NoticeRow.kind.in_([k.value for k in _HOST_KINDS]),
        NoticeRow.sent_at.is_not(None),
        NoticeRow.status != NoticeStatus.DISCARDED.value,
        PlatformRow.kind == PlatformKind.HOST.value,
    )


def platform_stats(desk: Desk) -> list[PlatformStats]:
    """Figures for every host platform that was sent a notice, by name.

    Counted by the database (``GROUP BY`` platform, and platform and hit), so the cost grows
    with the items reported, not with every notice and hit loaded; only the median and 90th
    percentile (not portable SQL) are taken in Python from one row per removed item, and the
    platform of a possible re-upload (by its URL's domain) from the few candidate hits.
    """
    with desk.db.session() as session:
        sent = {
            name: int(n)
            for name, n in session.execute(
                select(PlatformRow.name, func.count(NoticeRow.id))
                .join(PlatformRow, PlatformRow.id == NoticeRow.platform_id)
                .where(*_host_notices())
                .group_by(PlatformRow.name)
            )
        }
        items = (
            select(
                PlatformRow.name.label("platform"),
                NoticeItemRow.hit_id.label("hit_id"),
                func.min(NoticeRow.sent_at).label("first_sent"),
                func.min(NoticeItemRow.removed_at).label("removed"),
            )
            .join(NoticeRow, NoticeRow.id == NoticeItemRow.notice_id)
            .join(PlatformRow, PlatformRow.id == NoticeRow.platform_id)
            .where(*_host_notices())
            .group_by(PlatformRow.name, NoticeItemRow.hit_id)
            .subquery()
        )
        counts = {
            name: (int(reported), int(removed or 0))
            for name, reported, removed in session.execute(
                select(
                    items.c.platform,
                    func.count(items.c.hit_id),
                    func.sum(case((items.c.removed.is_not(None), 1), else_=0)),
                ).group_by(items.c.platform)
            )
        }
        hours: dict[str, list[float]] = {}
        for name, first, gone in session.execute(
            select(items.c.platform, items.c.first_sent, items.c.removed).where(
                items.c.removed.is_not(None)
            )
        ):
            delay = (_utc(gone) - _utc(first)).total_seconds() / 3600
            hours.setdefault(name, []).append(max(0.0, delay))
        # Later hits of a removed item's entry, found after its removal, not rejected as false.
        reported, later = aliased(HitRow), aliased(HitRow)
        candidates = session.execute(
            select(items.c.platform, later.id)
            .join(reported, reported.id == items.c.hit_id)
            .join(
                later,
                (later.entry_id == reported.entry_id)
                & (later.id != reported.id)
                & (later.found_at > items.c.removed),
            )
            .outerjoin(ReviewRow, ReviewRow.hit_id == later.id)
            .where(
                items.c.removed.is_not(None),
                or_(ReviewRow.decision.is_(None), ReviewRow.decision != Decision.REJECTED.value),
            )
            .distinct()
        ).all()
        directory = PlatformStore(session).directory()
        by_id = {h.id: h for h in ReviewStore(session).hits({hit for _, hit in candidates})}
    reuploads: dict[str, set[int]] = {}
    for name, hit_id in candidates:
        owner = platform_of(directory, by_id[hit_id])
        if owner is not None and owner.name == name:
            reuploads.setdefault(name, set()).add(hit_id)
    out = []
    for name in sorted(sent):
        reported_count, removed_count = counts.get(name, (0, 0))
        times = hours.get(name, [])
        out.append(
            PlatformStats(
                platform=name,
                notices_sent=sent[name],
                items_reported=reported_count,
                items_removed=removed_count,
                median_hours=statistics.median(times) if times else None,
                p90_hours=percentile(times, 90) if times else None,
                reuploads=len(reuploads.get(name, ())),
            )
        )
    return out


def _utc(value: datetime) -> datetime:
    """An aggregate's timestamp as aware UTC (SQLite hands some back without a zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
