"""The dashboard: what waits for the team today, each a count that links to its list.

Every figure is one aggregate query over indexed columns, never a list loaded into Python:
the page must come at once for a team with a hundred thousand hits (``bench/web.py``).
Hits awaiting review are all hits less all decisions (a decision is unique per hit and
names an existing hit), two index-only counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haechi.notices.model import NoticeStatus
from haechi.store.models import (
    HitRow,
    NoticeItemRow,
    NoticeRow,
    PlatformRow,
    PoliceReportRow,
    ReviewRow,
    WatchRow,
)
from haechi.store.ops_models import BackupRow, DrillRow

WAITING_FOR_ANSWER = (NoticeStatus.SENT, NoticeStatus.ACKNOWLEDGED, NoticeStatus.NO_ANSWER)


@dataclass(frozen=True)
class WaitingReport:
    """A police report without an answer, and how many days since it was made."""

    id: int
    station: str
    days: int


@dataclass(frozen=True)
class Dashboard:
    """The day's figures."""

    awaiting_review: int
    overdue_by_platform: tuple[tuple[str, int], ...]
    watches_failing: int
    reports_waiting: tuple[WaitingReport, ...]
    removals_this_week: int
    last_backup: datetime | None
    last_drill: datetime | None
    last_drill_ok: bool | None

    @property
    def overdue(self) -> int:
        """Overdue notices over all platforms."""
        return sum(n for _, n in self.overdue_by_platform)

    def as_json(self) -> dict[str, object]:
        """The stable JSON form."""
        return {
            "awaiting_review": self.awaiting_review,
            "overdue_notices": {name: n for name, n in self.overdue_by_platform},
            "watches_failing": self.watches_failing,
            "police_reports_waiting": [
                {"id": r.id, "station": r.station, "days": r.days} for r in self.reports_waiting
            ],
            "removals_this_week": self.removals_this_week,
            "last_backup": self.last_backup.isoformat() if self.last_backup else None,
            "last_restore_drill": self.last_drill.isoformat() if self.last_drill else None,
            "last_restore_drill_ok": self.last_drill_ok,
        }


def awaiting_review(session: Session) -> int:
    """How many hits no one has confirmed or rejected yet."""
    hits = session.scalar(select(func.count()).select_from(HitRow)) or 0
    decided = session.scalar(select(func.count()).select_from(ReviewRow)) or 0
    return max(hits - decided, 0)


def dashboard(session: Session, now: datetime) -> Dashboard:
    """The figures at ``now``."""
    # Notices with an item still up: one list of ids from the removed_at index, not a probe
    # per notice (thousands of overdue notices on a bad week).
    still_up = NoticeRow.id.in_(
        select(NoticeItemRow.notice_id).where(NoticeItemRow.removed_at.is_(None))
    )
    overdue = session.execute(
        select(PlatformRow.name, func.count(NoticeRow.id))
        .join(PlatformRow, PlatformRow.id == NoticeRow.platform_id)
        .where(
            NoticeRow.status.in_([s.value for s in WAITING_FOR_ANSWER]),
            NoticeRow.deadline.is_not(None),
            NoticeRow.deadline < now,
            still_up,
        )
        .group_by(PlatformRow.name)
        .order_by(func.count(NoticeRow.id).desc(), PlatformRow.name)
    ).all()
    failing = session.scalar(
        select(func.count()).select_from(WatchRow).where(WatchRow.failures > 0)
    )
    reports = session.execute(
        select(PoliceReportRow.id, PoliceReportRow.station, PoliceReportRow.made_at)
        .where(PoliceReportRow.answered_at.is_(None))
        .order_by(PoliceReportRow.made_at)
        .limit(20)
    ).all()
    removals = session.scalar(
        select(func.count())
        .select_from(NoticeItemRow)
        .where(NoticeItemRow.removed_at >= now - timedelta(days=7))
    )
    backup = session.scalar(select(func.max(BackupRow.made_at)))
    drill = session.execute(
        select(DrillRow.ran_at, DrillRow.ok).order_by(DrillRow.id.desc()).limit(1)
    ).first()
    return Dashboard(
        awaiting_review(session),
        tuple((name, int(n)) for name, n in overdue),
        int(failing or 0),
        tuple(
            WaitingReport(rid, station, max((now - made).days, 0)) for rid, station, made in reports
        ),
        int(removals or 0),
        backup,
        drill[0] if drill else None,
        drill[1] if drill else None,
    )
