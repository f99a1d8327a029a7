"""One hit with everything about it: evidence, sightings, re-checks, notices, its case.

The hit page is where a reviewer or an analyst sees why a file matched and what has been done
about it; the same view is the JSON API's ``/api/v1/hits/{id}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from haechi.cases.model import MemberKind
from haechi.notices.errors import ReviewError
from haechi.notices.model import Review
from haechi.review.queue import QueueItem, items_of
from haechi.store.hit_evidence import HitEvidence, HitEvidenceStore
from haechi.store.models import (
    CaseMemberRow,
    CaseRow,
    EntryRow,
    HitRow,
    NoticeItemRow,
    NoticeRow,
    PlatformRow,
    RecheckRow,
)
from haechi.store.notices import ReviewStore

MAX_SIGHTINGS = 200


@dataclass(frozen=True)
class Recheck:
    """One re-fetch of the hit's URL."""

    checked_at: datetime
    outcome: str
    status: int | None
    detail: str | None


@dataclass(frozen=True)
class CitingNotice:
    """A notice that cites the hit."""

    id: int
    platform: str
    kind: str
    status: str
    sent_at: datetime | None
    removed_at: datetime | None


@dataclass(frozen=True)
class HitView:
    """The hit page's content."""

    item: QueueItem
    review: Review | None
    evidence: HitEvidence | None
    sightings: tuple[QueueItem, ...]
    rechecks: tuple[Recheck, ...]
    notices: tuple[CitingNotice, ...]
    cases: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """The stable JSON form."""
        ev = self.evidence
        return {
            **self.item.as_json(),
            "evidence": {
                "state": ev.state.value if ev else None,
                "captures": ev.capture_ids if ev else [],
                "error": ev.error if ev else None,
            },
            "reviewed_by": self.review.reviewer if self.review else None,
            "sightings": [s.hit.id for s in self.sightings],
            "rechecks": [
                {
                    "checked_at": r.checked_at.isoformat(),
                    "outcome": r.outcome,
                    "status": r.status,
                    "detail": r.detail,
                }
                for r in self.rechecks
            ],
            "notices": [
                {
                    "id": n.id,
                    "platform": n.platform,
                    "kind": n.kind,
                    "status": n.status,
                    "removed_at": n.removed_at.isoformat() if n.removed_at else None,
                }
                for n in self.notices
            ],
            "cases": list(self.cases),
        }


def hit_view(session: Session, hit_id: int) -> HitView:
    """Everything about one hit, or a clear error for an unknown id."""
    found = items_of(session, [hit_id])
    if not found:
        raise ReviewError(f"no hit with id {hit_id}")
    item = found[0]
    others = list(
        session.scalars(
            select(HitRow.id)
            .where(HitRow.sha256 == item.hit.sha256, HitRow.id != hit_id)
            .order_by(HitRow.id)
            .limit(MAX_SIGHTINGS)
        )
    )
    rechecks = tuple(
        Recheck(r.checked_at, r.outcome, r.status, r.detail)
        for r in session.scalars(
            select(RecheckRow).where(RecheckRow.hit_id == hit_id).order_by(RecheckRow.id.desc())
        )
    )
    notices = tuple(
        CitingNotice(n.id, name, n.kind, n.status, n.sent_at, removed)
        for n, name, removed in session.execute(
            select(NoticeRow, PlatformRow.name, NoticeItemRow.removed_at)
            .join(NoticeItemRow, NoticeItemRow.notice_id == NoticeRow.id)
            .join(PlatformRow, PlatformRow.id == NoticeRow.platform_id)
            .where(NoticeItemRow.hit_id == hit_id)
            .order_by(NoticeRow.id)
        )
    )
    entry_case = select(EntryRow.case_ref).where(EntryRow.id == item.hit.entry).scalar_subquery()
    cases = tuple(
        dict.fromkeys(
            session.scalars(
                select(CaseRow.ref)
                .outerjoin(CaseMemberRow, CaseMemberRow.case_id == CaseRow.id)
                .where(
                    or_(
                        (CaseMemberRow.kind == MemberKind.HIT.value)
                        & (CaseMemberRow.key == str(hit_id)),
                        (CaseMemberRow.kind == MemberKind.ENTRY.value)
                        & (CaseMemberRow.key == str(item.hit.entry)),
                        CaseRow.ref == entry_case,
                    )
                )
                .order_by(CaseRow.ref)
            )
        )
    )
    return HitView(
        item,
        ReviewStore(session).get(hit_id),
        HitEvidenceStore(session).of([hit_id]).get(hit_id),
        items_of(session, others),
        rechecks,
        notices,
        cases,
    )
