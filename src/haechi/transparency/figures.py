"""The raw figures of one window, per host platform and for all platforms together, before any
cell is suppressed: the counts come from SQL (:mod:`haechi.store.transparency`), the median
and 90th percentile from :mod:`haechi.notices.stats` (the same interpolation as ``haechi
stats``), so a window covering all time gives ``haechi stats``'s figures.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from haechi.notices.stats import percentile
from haechi.store import transparency as queries
from haechi.store.notices import PlatformStore
from haechi.transparency.period import Window

ALL = "*"
"""The row of all platforms together."""

COUNTS = (
    "notices_sent",
    "items_reported",
    "items_removed",
    "never_removed",
    "reuploads_after_removal",
    "escalations",
)
"""The counted measures, in the order of the tables and the CSV."""


@dataclass(frozen=True)
class RawFigures:
    """One platform's (or all platforms') figures in one window, nothing hidden yet."""

    platform: str
    counts: dict[str, int]
    hours: tuple[float, ...]  # time from first notice to removal of each removed item

    @property
    def median_hours(self) -> float | None:
        """Median hours to removal (``None`` when nothing was removed)."""
        return statistics.median(self.hours) if self.hours else None

    @property
    def p90_hours(self) -> float | None:
        """90th-percentile hours to removal, interpolated as ``haechi stats`` does."""
        return percentile(self.hours, 90) if self.hours else None


def _hours(sent: datetime, gone: datetime) -> float:
    return max(0.0, (gone - sent).total_seconds() / 3600)


def window_figures(
    session: Session, window: Window, as_of: datetime, platforms: Sequence[str] | None = None
) -> dict[str, RawFigures]:
    """Figures of ``window`` by platform name, plus :data:`ALL`; removals seen by ``as_of``.

    ``platforms`` fixes the rows (the period's platforms, for each of its months); by default
    every host platform with anything to count in the window.
    """
    start, end = window.start, window.end
    sent = queries.notices_sent(session, start, end)
    cohorts = queries.cohorts(session, start, end, as_of)
    times = queries.removal_times(session, start, end, as_of)
    escalated = queries.escalations(session, start, end)
    directory = PlatformStore(session).directory()
    reuploads: dict[str, set[int]] = {}
    for c in queries.reupload_candidates(session, start, end, as_of):
        owner = directory.for_url(c.location) or (
            directory.for_url(c.found_in) if c.found_in else None
        )
        if owner is not None and owner.name == c.platform:
            reuploads.setdefault(c.platform, set()).add(c.hit_id)
    names = (
        list(platforms)
        if platforms is not None
        else sorted(set(sent) | set(cohorts) | set(reuploads) | set(escalated))
    )
    out: dict[str, RawFigures] = {}
    for name in names:
        cohort = cohorts.get(name, queries.Cohort(0, 0))
        counts = {
            "notices_sent": sent.get(name, 0),
            "items_reported": cohort.reported,
            "items_removed": cohort.removed,
            "never_removed": cohort.reported - cohort.removed,
            "reuploads_after_removal": len(reuploads.get(name, ())),
            "escalations": escalated.get(name, 0),
        }
        hours = tuple(_hours(s, g) for p, s, g in times if p == name)
        out[name] = RawFigures(name, counts, hours)
    total = {m: sum(f.counts[m] for f in out.values()) for m in COUNTS}
    pooled = tuple(h for f in out.values() for h in f.hours)
    out[ALL] = RawFigures(ALL, total, pooled)
    return out
