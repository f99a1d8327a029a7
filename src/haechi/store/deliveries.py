"""Sending runs' claims on approved notices: one delivery per notice, by a primary key.

A run claims a notice in a short transaction of its own that locks the notice, checks that it
is still approved and writes the claim; only then does the e-mail go out. A second run finds
the claim and passes the notice over; a discard finds it and is refused. A run that fails to
deliver gives its claim back; one that died mid-delivery leaves a claim that another run may
take over once it is older than :data:`STALE_AFTER` (the mail may have gone out: better twice
than never).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from haechi.store.conflicts import for_update, insert_or_nothing
from haechi.store.models import NoticeRow
from haechi.store.team_models import NoticeDeliveryRow

STALE_AFTER = timedelta(minutes=15)


class DeliveryStore:
    """Claims on notices being sent, within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def taken(self, notice_id: int, now: datetime) -> bool:
        """Whether a sending run holds this notice (a claim of a run that died does not)."""
        row = self.session.get(NoticeDeliveryRow, notice_id, populate_existing=True)
        if row is None:
            return False
        return row.delivered_at is not None or row.claimed_at >= now - STALE_AFTER

    def claim(self, notice_id: int, by: str, now: datetime) -> str | None:
        """Take a notice for sending; ``None`` if taken, else why not (for the sender's list).

        Commit right after: the claim must be visible to others before anything is sent.
        """
        notice = self.session.scalar(for_update(select(NoticeRow).where(NoticeRow.id == notice_id)))
        if notice is None:
            return f"no notice with id {notice_id}"
        if notice.status != "approved":
            return f"it is {notice.status} now: another run or person acted on it meanwhile"
        values = {"notice_id": notice_id, "claimed_at": now, "claimed_by": by}
        if insert_or_nothing(self.session, NoticeDeliveryRow, values, ["notice_id"]) is not None:
            return None
        row = self.session.scalars(
            for_update(select(NoticeDeliveryRow).where(NoticeDeliveryRow.notice_id == notice_id))
        ).one()
        if row.delivered_at is None and row.claimed_at < now - STALE_AFTER:
            row.claimed_at, row.claimed_by = now, by
            self.session.flush()
            return None
        return (
            f"another sending run ({row.claimed_by}) has taken it since {row.claimed_at:%H:%M:%S}"
        )

    def delivered(self, notice_id: int, at: datetime) -> None:
        """Record that the claimed notice went out (in the transaction that marks it sent)."""
        row = self.session.get(NoticeDeliveryRow, notice_id)
        if row is not None:
            row.delivered_at = at
            self.session.flush()

    def release(self, notice_id: int) -> None:
        """Give a claim back after a failed delivery, so that a later run tries again."""
        self.session.execute(
            delete(NoticeDeliveryRow).where(
                NoticeDeliveryRow.notice_id == notice_id, NoticeDeliveryRow.delivered_at.is_(None)
            )
        )
