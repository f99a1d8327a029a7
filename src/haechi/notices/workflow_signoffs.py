"""Four eyes: a notice is approved by a member other than the one who drafted it.

Nothing leaves without a second person's look at the exact text. The drafter is recorded
when a notice is drafted (a member on the web; ``console`` for the command line and the
server's scheduler, which drafts repeats and block requests); approval by a member who
drafted the notice herself is refused here, in the one service every approval goes
through. The operator at the console (``haechi notices approve``) is not a member with a
name the team knows, so the rule cannot tell two of them apart: her approvals go through
and are recorded, and audited, as the console's. Notices drafted before this rule existed
have no drafter recorded and may be approved by anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.model import Actor
from haechi.notices.errors import NoticeError
from haechi.notices.model import Notice, NoticeStatus
from haechi.store.casework_models import NoticeSignoffRow
from haechi.store.notices import NoticeStore


class FourEyesRefused(NoticeError):
    """A member tried to approve a notice she drafted herself."""


@dataclass(frozen=True)
class Signoff:
    """Who drafted a notice and who approved it (``None``: not yet, or not recorded)."""

    drafted_by: str | None
    drafted_by_id: int | None
    approved_by: str | None
    approved_by_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {"drafted_by": self.drafted_by, "approved_by": self.approved_by}


NOBODY = Signoff(None, None, None, None)


def record_drafter(session: Session, notice_id: int, actor: Actor) -> None:
    """Note who drafted a notice, in the drafting transaction."""
    session.add(
        NoticeSignoffRow(notice_id=notice_id, drafted_by_id=actor.member_id, drafted_by=actor.name)
    )
    session.flush()


def signoffs(session: Session, notice_ids: list[int]) -> dict[int, Signoff]:
    """The sign-offs of these notices (notices without a row are absent)."""
    if not notice_ids:
        return {}
    rows = session.scalars(
        select(NoticeSignoffRow).where(NoticeSignoffRow.notice_id.in_(notice_ids))
    )
    return {
        r.notice_id: Signoff(r.drafted_by, r.drafted_by_id, r.approved_by, r.approved_by_id)
        for r in rows
    }


def may_approve(signoff: Signoff, actor: Actor) -> bool:
    """Whether ``actor`` is a second pair of eyes for a notice with this sign-off."""
    return actor.member_id is None or signoff.drafted_by_id != actor.member_id


def approve_one(
    session: Session, notice_id: int, actor: Actor, now: datetime, note: str | None = None
) -> Notice:
    """Approve a draft as ``actor``, refused if she drafted it; recorded and audited."""
    store = NoticeStore(session)
    row = session.get(NoticeSignoffRow, notice_id)
    current = store.get(notice_id)  # an unknown notice is named before anything else
    if row is not None and not may_approve(
        Signoff(row.drafted_by, row.drafted_by_id, None, None), actor
    ):
        raise FourEyesRefused(
            f"notice {notice_id} was drafted by you; another member must approve it (four eyes)"
        )
    approved = store.transition(current.id, NoticeStatus.APPROVED, now, note)
    if row is None:
        row = NoticeSignoffRow(notice_id=notice_id, drafted_by="", drafted_by_id=None)
        session.add(row)
    row.approved_by = actor.name
    row.approved_by_id = actor.member_id
    record(
        session,
        AuditKind.NOTICE_APPROVED,
        actor,
        detail={"notice": notice_id, "platform": approved.platform, "kind": approved.kind.value},
        now=now,
    )
    session.flush()
    return approved
