"""The review queue: no notice cites a hit that a person has not looked at and confirmed.

Matching by hash finds near-duplicates, and a near-duplicate is not always the same picture;
a notice naming the wrong image harms everyone involved. So every hit waits here until a
person confirms or rejects it, one by one or in bulk with filters (a bank, a scan, a platform,
a largest distance), and only confirmed hits are drafted into notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.model import Actor
from haechi.notices.desk import Desk
from haechi.notices.drafting import platform_of
from haechi.notices.errors import ReviewError
from haechi.notices.model import Decision, Review
from haechi.scan.model import Hit
from haechi.store.notices import PlatformStore, ReviewStore


@dataclass(frozen=True)
class HitFilter:
    """Which hits a listing or a bulk decision covers (all given conditions hold)."""

    bank: str | None = None
    scan_id: int | None = None
    platform: str | None = None
    max_distance: int | None = None
    since: datetime | None = None

    @property
    def empty(self) -> bool:
        """Whether no condition is set."""
        return all(v is None for v in vars(self).values())


def queue(
    desk: Desk, filters: HitFilter | None = None, decision: Decision | None = None
) -> list[Hit]:
    """Hits waiting for review (or with ``decision``), oldest first, filtered."""
    f = filters or HitFilter()
    with desk.db.session() as session:
        reviews = ReviewStore(session)
        ids = reviews.hit_ids(decision, f.bank, f.scan_id, f.max_distance, f.since)
        hits = reviews.hits(ids)
        directory = PlatformStore(session).directory() if f.platform else None
    if directory is not None:
        hits = [h for h in hits if (p := platform_of(directory, h)) and p.name == f.platform]
    return hits


def decide(
    desk: Desk,
    hit_ids: Sequence[int],
    decision: Decision,
    reviewer: str,
    reason: str = "",
) -> list[Review]:
    """Confirm or reject hits by id."""
    if not hit_ids:
        raise ReviewError("name the hits to decide on, or use filters with --all")
    if not reviewer.strip():
        raise ReviewError("say who reviewed (--reviewer): the record must name a person")
    with desk.db.session() as session:
        return decide_hits(
            session, desk.actor, hit_ids, decision, reviewer, reason, now=desk.clock()
        )


def decide_hits(
    session: Session,
    actor: Actor,
    hit_ids: Sequence[int],
    decision: Decision,
    reviewer: str,
    reason: str = "",
    *,
    now: datetime,
) -> list[Review]:
    """Confirm or reject hits in ``session``, audited in the same transaction.

    The command line (through :func:`decide`) and the web pages call this one function.
    """
    ids = list(dict.fromkeys(hit_ids))
    if not ids:
        raise ReviewError("name the hits to decide on")
    if not reviewer.strip():
        raise ReviewError("say who reviewed (--reviewer): the record must name a person")
    done = ReviewStore(session).decide(ids, decision, reviewer.strip(), reason, now)
    record(
        session,
        AuditKind.HITS_REVIEWED,
        actor,
        detail={"hits": ids, "decision": decision.value, "reviewer": reviewer.strip()},
        now=now,
    )
    return done


def decide_all(
    desk: Desk, filters: HitFilter, decision: Decision, reviewer: str, reason: str = ""
) -> list[Review]:
    """Decide on every hit still waiting that matches ``filters`` (at least one is required)."""
    if filters.empty:
        raise ReviewError(
            "a bulk decision needs at least one filter (--bank, --scan, --platform, "
            "--max-distance or --since)"
        )
    waiting = queue(desk, filters)
    if not waiting:
        return []
    return decide(desk, [h.id for h in waiting], decision, reviewer, reason)
