"""What a victim sees when she comes back: counts and dates, never an image or a link.

Found counts the copies haechi found of her files that no reviewer rejected; reported, those
cited by a notice that was sent; removed, those a re-check or the platform showed gone; still
online, reported and not removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from haechi.intake.model import Choice
from haechi.store.intake_models import IntakeEntryRow, IntakeRow
from haechi.store.models import HitRow, NoticeItemRow, NoticeRow, ReviewRow


@dataclass(frozen=True)
class IntakeStatus:
    """Her case as she may see it."""

    registered_at: datetime
    choices: frozenset[Choice]
    entries: int
    approved: int  # entries a reviewer approved for sharing
    found: int
    reported: int
    removed: int
    last_found: datetime | None
    last_reported: datetime | None
    last_removed: datetime | None
    withdrawn_at: datetime | None

    @property
    def still_online(self) -> int:
        return max(0, self.reported - self.removed)

    def as_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "registered_at": self.registered_at.isoformat(),
            "choices": sorted(c.value for c in self.choices),
            "entries": self.entries,
            "approved": self.approved,
            "found": self.found,
            "reported": self.reported,
            "removed": self.removed,
            "still_online": self.still_online,
            "last_found": iso(self.last_found),
            "last_reported": iso(self.last_reported),
            "last_removed": iso(self.last_removed),
            "withdrawn_at": iso(self.withdrawn_at),
        }


def status_of(session: Session, row: IntakeRow) -> IntakeStatus:
    """The counts and dates of one intake."""
    entry_ids = select(IntakeEntryRow.entry_id).where(IntakeEntryRow.intake_id == row.id)
    hits = (
        select(HitRow.id)
        .join(ReviewRow, ReviewRow.hit_id == HitRow.id, isouter=True)
        .where(
            HitRow.entry_id.in_(entry_ids),
            or_(ReviewRow.id.is_(None), ReviewRow.decision != "rejected"),
        )
    )
    found, last_found = session.execute(
        select(func.count(HitRow.id), func.max(HitRow.found_at)).where(HitRow.id.in_(hits))
    ).one()
    sent = (
        select(NoticeItemRow.hit_id, NoticeRow.sent_at, NoticeItemRow.removed_at)
        .join(NoticeRow, NoticeRow.id == NoticeItemRow.notice_id)
        .where(NoticeItemRow.hit_id.in_(hits), NoticeRow.sent_at.is_not(None))
    )
    reported: set[int] = set()
    removed: set[int] = set()
    last_reported = last_removed = None
    for hit_id, sent_at, removed_at in session.execute(sent):
        reported.add(hit_id)
        last_reported = max(filter(None, (last_reported, sent_at)))
        if removed_at is not None:
            removed.add(hit_id)
            last_removed = max(filter(None, (last_removed, removed_at)))
    decisions = list(
        session.scalars(select(IntakeEntryRow.decision).where(IntakeEntryRow.intake_id == row.id))
    )
    return IntakeStatus(
        registered_at=row.created_at,
        choices=frozenset(Choice(c) for c in json.loads(row.choices)),
        entries=len(decisions),
        approved=sum(1 for d in decisions if d == "approved"),
        found=int(found or 0),
        reported=len(reported),
        removed=len(removed),
        last_found=last_found,
        last_reported=last_reported,
        last_removed=last_removed,
        withdrawn_at=row.withdrawn_at,
    )
