"""Storage of the review queue: which hits a person confirmed or rejected, and which wait.

Two reviewers deciding one hit at once meet the review's unique key (:mod:`store.conflicts`);
the rules live in :mod:`haechi.notices.review`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.notices.errors import ReviewError
from haechi.notices.model import Decision, Review
from haechi.scan.model import Hit
from haechi.store.conflicts import for_update, insert_or_nothing
from haechi.store.models import BankRow, EntryRow, HitRow, ReviewRow
from haechi.store.scans import ScanStore

_CHUNK = 500


def _review(row: ReviewRow) -> Review:
    return Review(row.hit_id, Decision(row.decision), row.reviewer, row.reason, row.decided_at)


class ReviewStore:
    """The review queue within one session: which hits a person confirmed or rejected."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def hits(self, ids: Iterable[int]) -> list[Hit]:
        """Hits by id, in id order."""
        wanted = sorted(set(ids))
        found: list[Hit] = []
        scans = ScanStore(self.session)
        for start in range(0, len(wanted), _CHUNK):
            found += scans.hits(hit_ids=wanted[start : start + _CHUNK])
        return sorted(found, key=lambda h: h.id)

    def hit_ids(
        self,
        decision: Decision | None,
        bank: str | None = None,
        scan_id: int | None = None,
        max_distance: int | None = None,
        since: datetime | None = None,
    ) -> list[int]:
        """Hit ids with that decision (``None``: not yet reviewed), filtered, oldest first."""
        query = (
            select(HitRow.id)
            .join(ReviewRow, ReviewRow.hit_id == HitRow.id, isouter=True)
            .order_by(HitRow.id)
        )
        if decision is None:
            query = query.where(ReviewRow.id.is_(None))
        else:
            query = query.where(ReviewRow.decision == decision.value)
        if bank is not None:
            query = (
                query.join(EntryRow, EntryRow.id == HitRow.entry_id)
                .join(BankRow, BankRow.id == EntryRow.bank_id)
                .where(BankRow.name == bank)
            )
        if scan_id is not None:
            query = query.where(HitRow.scan_id == scan_id)
        if max_distance is not None:
            query = query.where(HitRow.distance <= max_distance)
        if since is not None:
            query = query.where(HitRow.found_at >= since)
        return list(self.session.scalars(query))

    def decide(
        self, hit_ids: Sequence[int], decision: Decision, reviewer: str, reason: str, now: datetime
    ) -> list[Review]:
        """Record a decision on each hit (a later decision replaces an earlier one)."""
        known = set(self.session.scalars(select(HitRow.id).where(HitRow.id.in_(list(hit_ids)))))
        missing = [h for h in hit_ids if h not in known]
        if missing:
            raise ReviewError(f"no hit with id {', '.join(map(str, missing))}")
        if decision is Decision.REJECTED:
            from haechi.store.notices import NoticeStore  # it re-exports this module

            cited = NoticeStore(self.session).cited_hits(hit_ids)
            if cited:
                raise ReviewError(
                    f"hit {', '.join(map(str, sorted(cited)))} is cited by a notice already; "
                    "discard the notice (if unsent) before rejecting"
                )
        out = []
        for hit_id in hit_ids:
            mine = select(ReviewRow).where(ReviewRow.hit_id == hit_id)
            row = self.session.scalar(for_update(mine))
            if row is None:
                # One review per hit (its unique key): of two first decisions made at once,
                # one is written and the other, if it differs, is told so, never saved over it.
                values = {
                    "hit_id": hit_id,
                    "decision": decision.value,
                    "reviewer": reviewer,
                    "reason": reason,
                    "decided_at": now,
                }
                written = insert_or_nothing(self.session, ReviewRow, values, ["hit_id"])
                row = self.session.scalars(for_update(mine)).one()
                if written is None and row.decision != decision.value:
                    raise ReviewError(
                        f"hit {hit_id} was {row.decision} by {row.reviewer} a moment ago; "
                        "look at it again before deciding otherwise"
                    )
                out.append(row)
                continue
            row.decision = decision.value
            row.reviewer = reviewer
            row.reason = reason
            row.decided_at = now
            out.append(row)
        self.session.flush()
        return [_review(r) for r in out]

    def hit_ids_of_entries(self, entry_ids: Iterable[int]) -> list[int]:
        """Every hit of these bank entries, oldest first."""
        wanted = list(set(entry_ids))
        found: list[int] = []
        for start in range(0, len(wanted), _CHUNK):
            found += self.session.scalars(
                select(HitRow.id).where(HitRow.entry_id.in_(wanted[start : start + _CHUNK]))
            )
        return sorted(found)

    def decisions(self, hit_ids: Iterable[int]) -> dict[int, Decision]:
        """The decision on each of these hits that has one."""
        wanted = list(set(hit_ids))
        found: dict[int, Decision] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = self.session.execute(
                select(ReviewRow.hit_id, ReviewRow.decision).where(
                    ReviewRow.hit_id.in_(wanted[start : start + _CHUNK])
                )
            )
            found.update({hit_id: Decision(decision) for hit_id, decision in rows})
        return found

    def get(self, hit_id: int) -> Review | None:
        """The decision on a hit, if any."""
        row = self.session.scalar(select(ReviewRow).where(ReviewRow.hit_id == hit_id))
        return _review(row) if row else None
