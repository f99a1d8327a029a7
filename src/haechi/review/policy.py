"""The auto-confirm policy: cut how many pictures people must look at.

Reviewers who look at abuse imagery all day are harmed by it (Thorn's and Tremau's guidance,
and the research behind it), so looking must be kept for the hits that need a person's eye.
An exact copy (the same MD5 or SHA-256 as a registered file) or a PDQ match within a few bits
is the registered picture beyond reasonable doubt. With the policy on (an admin's choice; it
is off until then), such hits are confirmed without anyone looking, each confirmation audited
as done by the policy; people review only the uncertain ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.errors import NotAllowed
from haechi.members.model import Actor, Role
from haechi.notices.errors import ReviewError
from haechi.notices.model import Decision
from haechi.store.models import HitRow, ReviewRow
from haechi.store.notices import ReviewStore
from haechi.store.review_models import ReviewPolicyRow

MAX_AUTO_DISTANCE = 10
"""The widest PDQ distance a policy may confirm alone: Meta's guidance puts a match at 31,
and near-certain at a handful of bits; beyond 10 a person must look."""

POLICY_REVIEWER = "policy"
EXACT_KINDS = ("md5", "sha256")
_BATCH = 500


@dataclass(frozen=True)
class ReviewPolicy:
    """Whether hits are confirmed without a look, and which."""

    enabled: bool = False
    exact: bool = True
    max_pdq_distance: int | None = None
    set_by: str = ""
    set_at: datetime | None = None

    def as_json(self) -> dict[str, object]:
        """The stable JSON form."""
        return {
            "enabled": self.enabled,
            "exact": self.exact,
            "max_pdq_distance": self.max_pdq_distance,
            "set_by": self.set_by,
            "set_at": self.set_at.isoformat() if self.set_at else None,
        }


def get_policy(session: Session) -> ReviewPolicy:
    """The team's policy (off when none was ever set)."""
    row = session.get(ReviewPolicyRow, 1)
    if row is None:
        return ReviewPolicy()
    return ReviewPolicy(row.enabled, row.exact, row.max_pdq_distance, row.set_by, row.set_at)


def set_policy(
    session: Session,
    actor: Actor,
    *,
    enabled: bool,
    exact: bool,
    max_pdq_distance: int | None,
    now: datetime,
) -> tuple[ReviewPolicy, list[int]]:
    """Set the policy (admins and the console only), audited; apply it to waiting hits now.

    Returns the policy and the ids of the hits it confirmed at once.
    """
    if actor.member_id is not None and actor.role is not Role.ADMIN:
        raise NotAllowed("only an admin may set the review policy")
    if max_pdq_distance is not None and not 0 <= max_pdq_distance <= MAX_AUTO_DISTANCE:
        raise ReviewError(
            f"the policy confirms PDQ matches within 0 to {MAX_AUTO_DISTANCE} bits at most; "
            "wider matches need a person"
        )
    row = session.get(ReviewPolicyRow, 1)
    if row is None:
        row = ReviewPolicyRow(id=1)
        session.add(row)
    row.enabled = enabled
    row.exact = exact
    row.max_pdq_distance = max_pdq_distance
    row.set_by = actor.name
    row.set_at = now
    session.flush()
    policy = get_policy(session)
    record(session, AuditKind.REVIEW_POLICY_SET, actor, detail=policy.as_json(), now=now)
    return policy, apply_policy(session, now)


def _covered(policy: ReviewPolicy) -> ColumnElement[bool] | None:
    conditions: list[ColumnElement[bool]] = []
    if policy.exact:
        conditions.append(HitRow.signal_kind.in_(EXACT_KINDS))
    if policy.max_pdq_distance is not None:
        conditions.append(
            and_(HitRow.signal_kind == "pdq", HitRow.distance <= policy.max_pdq_distance)
        )
    return or_(*conditions) if conditions else None


def apply_policy(session: Session, now: datetime) -> list[int]:
    """Confirm every waiting hit the policy covers; audited as done by the policy.

    Called when the policy is set, after each scan the server runs, and by ``haechi review
    policy --apply``; does nothing while the policy is off.
    """
    policy = get_policy(session)
    covered = _covered(policy)
    if not policy.enabled or covered is None:
        return []
    waiting = list(
        session.scalars(
            select(HitRow.id)
            .outerjoin(ReviewRow, ReviewRow.hit_id == HitRow.id)
            .where(ReviewRow.id.is_(None), covered)
            .order_by(HitRow.id)
        )
    )
    if not waiting:
        return []
    reviews = ReviewStore(session)
    why = "confirmed by the review policy without a look: " + (
        ", ".join(
            part
            for part in (
                "exact copy" if policy.exact else "",
                f"PDQ within {policy.max_pdq_distance} bits"
                if policy.max_pdq_distance is not None
                else "",
            )
            if part
        )
    )
    for start in range(0, len(waiting), _BATCH):
        reviews.decide(
            waiting[start : start + _BATCH], Decision.CONFIRMED, POLICY_REVIEWER, why, now
        )
    record(
        session,
        AuditKind.HITS_AUTO_CONFIRMED,
        Actor(None, POLICY_REVIEWER, None, "policy"),
        detail={"hits": waiting, "policy": policy.as_json()},
        now=now,
    )
    return waiting
