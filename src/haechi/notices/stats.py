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
from datetime import datetime
from typing import Any

from haechi.notices.desk import Desk
from haechi.notices.drafting import platform_of
from haechi.notices.model import Decision, NoticeKind, NoticeStatus
from haechi.notices.platforms import PlatformKind
from haechi.store.notices import NoticeStore, PlatformStore, ReviewStore

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


def platform_stats(desk: Desk) -> list[PlatformStats]:
    """Figures for every host platform that was sent a notice, by name."""
    with desk.db.session() as session:
        notices = [
            n
            for n in NoticeStore(session).find(kinds=_HOST_KINDS)
            if n.sent_at is not None and n.status is not NoticeStatus.DISCARDED
        ]
        platforms = {p.name: p for p in PlatformStore(session).all()}
        directory = PlatformStore(session).directory()
        reviews = ReviewStore(session)
        reported_hits = reviews.hits({i.hit_id for n in notices for i in n.items})
        entries = {h.entry for h in reported_hits}
        later_ids = reviews.hit_ids_of_entries(entries)
        rejected = {h for h, d in reviews.decisions(later_ids).items() if d is Decision.REJECTED}
        later_hits = reviews.hits(h for h in later_ids if h not in rejected)
    out = []
    for name in sorted({n.platform for n in notices}):
        if platforms[name].kind is not PlatformKind.HOST:
            continue
        sent = [n for n in notices if n.platform == name]
        first_sent: dict[int, datetime] = {}
        removed: dict[int, datetime] = {}
        for notice in sent:
            assert notice.sent_at is not None
            for item in notice.items:
                if item.hit_id not in first_sent or notice.sent_at < first_sent[item.hit_id]:
                    first_sent[item.hit_id] = notice.sent_at
                gone = item.removed_at
                if gone is not None:
                    removed[item.hit_id] = min(removed.get(item.hit_id, gone), gone)
        hours = [max(0.0, (removed[h] - first_sent[h]).total_seconds() / 3600) for h in removed]
        by_id = {h.id: h for h in reported_hits}
        reuploads = set()
        for hit_id, gone in removed.items():
            entry = by_id[hit_id].entry
            for later in later_hits:
                if later.entry != entry or later.id == hit_id or later.found_at <= gone:
                    continue
                owner = platform_of(directory, later)
                if owner is not None and owner.name == name:
                    reuploads.add(later.id)
        out.append(
            PlatformStats(
                platform=name,
                notices_sent=len(sent),
                items_reported=len(first_sent),
                items_removed=len(removed),
                median_hours=statistics.median(hours) if hours else None,
                p90_hours=percentile(hours, 90) if hours else None,
                reuploads=len(reuploads),
            )
        )
    return out
