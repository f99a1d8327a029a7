"""Retention per case: keep evidence until the case closes plus N days, or destroy on request.

A victim's case sets how long its evidence is kept once the case is closed (``keep_days``),
and a victim can ask for it to be destroyed at any time. :func:`run_retention` (the job a
scheduler calls, ``haechi retention run``) destroys the captures of every case that is due:
their WARCs and screenshots are deleted, each destruction is a ``destroyed`` entry in the
evidence log, and a checkpoint signed straight after covers those entries, so every tombstone
is signed and the log still verifies. The log keeps what was captured, where and when (no
page or image bytes), so a bundle can still say the capture existed and was destroyed.

What is logged never carries the operator's free text (a request's reason can hold personal
data): the log says ``retention: case closed + N days`` or ``retention: victim's request``;
the reason given stays in the home's database. A capture that another case still keeps is
left alone and reported. Backups made before a destruction still hold the content: see the
README on rotating them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.evidence.errors import UnknownCapture
from haechi.evidence.locker import EvidenceLocker
from haechi.ops.errors import RetentionError
from haechi.store.database import Database
from haechi.store.models import CaseMemberRow, CaseRow, HitCaptureRow
from haechi.store.ops_models import RetentionRow


@dataclass(frozen=True)
class Policy:
    """A case's retention: days kept after closing, and a pending or done destruction."""

    ref: str
    closed_at: datetime | None
    keep_days: int | None
    destroy_requested_at: datetime | None
    destroyed_at: datetime | None

    def due_at(self) -> datetime | None:
        """When the case's evidence is to be destroyed (``None``: not yet known, or never)."""
        if self.destroy_requested_at is not None:
            return self.destroy_requested_at
        if self.closed_at is not None and self.keep_days is not None:
            return self.closed_at + timedelta(days=self.keep_days)
        return None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        due = self.due_at()
        return {
            "case": self.ref,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "keep_days": self.keep_days,
            "destroy_requested_at": (
                self.destroy_requested_at.isoformat() if self.destroy_requested_at else None
            ),
            "due_at": due.isoformat() if due else None,
            "destroyed_at": self.destroyed_at.isoformat() if self.destroyed_at else None,
        }


def _case(session: Session, ref: str) -> CaseRow:
    row = session.scalar(select(CaseRow).where(CaseRow.ref == ref.strip()))
    if row is None:
        raise RetentionError(f"no case {ref!r}; see `haechi case list`")
    return row


def _policy_row(session: Session, case: CaseRow) -> RetentionRow:
    row = session.get(RetentionRow, case.id)
    if row is None:
        row = RetentionRow(case_id=case.id)
        session.add(row)
    return row


def _policy(case: CaseRow, row: RetentionRow | None) -> Policy:
    return Policy(
        case.ref,
        case.closed_at,
        row.keep_days if row else None,
        row.destroy_requested_at if row else None,
        row.destroyed_at if row else None,
    )


def set_keep_days(db: Database, ref: str, days: int) -> Policy:
    """Keep a case's evidence ``days`` days after the case closes."""
    if days < 0:
        raise RetentionError("days to keep cannot be negative")
    with db.session() as session:
        case = _case(session, ref)
        row = _policy_row(session, case)
        row.keep_days = days
        session.flush()
        return _policy(case, row)


def close_case(db: Database, ref: str, now: datetime) -> Policy:
    """Close a case: its retention period starts now (closing twice keeps the first date)."""
    with db.session() as session:
        case = _case(session, ref)
        if case.closed_at is None:
            case.closed_at = now
        session.flush()
        return _policy(case, session.get(RetentionRow, case.id))


def request_destruction(db: Database, ref: str, now: datetime, reason: str = "") -> Policy:
    """Record a victim's request to destroy her case's evidence; the next run carries it out."""
    with db.session() as session:
        case = _case(session, ref)
        row = _policy_row(session, case)
        if row.destroy_requested_at is None:
            row.destroy_requested_at = now
        row.destroy_reason = reason or None
        session.flush()
        return _policy(case, row)


def policies(db: Database) -> list[Policy]:
    """Every case's retention, oldest case first."""
    with db.session() as session:
        rows = session.execute(
            select(CaseRow, RetentionRow)
            .outerjoin(RetentionRow, RetentionRow.case_id == CaseRow.id)
            .order_by(CaseRow.id)
        )
        return [_policy(case, row) for case, row in rows]


def _captures(session: Session, case: CaseRow) -> set[str]:
    from haechi.store.cases import CaseStore

    hit_ids = CaseStore(session).hit_ids(case.ref)
    of_hits = set(
        session.scalars(select(HitCaptureRow.capture_id).where(HitCaptureRow.hit_id.in_(hit_ids)))
    )
    added = set(
        session.scalars(
            select(CaseMemberRow.key).where(
                CaseMemberRow.case_id == case.id, CaseMemberRow.kind == "capture"
            )
        )
    )
    return of_hits | added


@dataclass(frozen=True)
class CaseOutcome:
    """What a run did to one due case."""

    ref: str
    why: str
    destroyed: tuple[str, ...]
    kept: dict[str, str] = field(default_factory=dict)  # capture id -> the case that keeps it

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {"case": self.ref, "why": self.why, "destroyed": list(self.destroyed),
                "kept": self.kept}  # fmt: skip


@dataclass(frozen=True)
class RetentionReport:
    """A run: each due case and the checkpoint that signs the tombstones."""

    cases: tuple[CaseOutcome, ...]
    checkpoint_size: int | None
    dry_run: bool


def run_retention(
    db: Database, locker: EvidenceLocker, now: datetime, dry_run: bool = False
) -> RetentionReport:
    """Destroy the captures of every case whose retention is due; sign the tombstones."""
    if locker.key is None and not dry_run:
        raise RetentionError(
            "retention needs the signing key, to sign the tombstones it logs: set the key file "
            "(and HAECHI_KEY_PASSPHRASE if it is encrypted)"
        )
    with db.session() as session:
        rows = list(
            session.execute(
                select(CaseRow, RetentionRow).outerjoin(
                    RetentionRow, RetentionRow.case_id == CaseRow.id
                )
            )
        )
        holdings = {case.ref: _captures(session, case) for case, _ in rows}
    due: list[tuple[CaseRow, str]] = []
    live: dict[str, str] = {}
    for case, row in rows:
        policy = _policy(case, row)
        when = policy.due_at()
        if policy.destroyed_at is None and when is not None and when <= now:
            why = (
                "victim's request"
                if policy.destroy_requested_at is not None
                else f"case closed + {policy.keep_days} days"
            )
            due.append((case, why))
        else:
            for capture in holdings[case.ref]:
                live.setdefault(capture, case.ref)
    outcomes = []
    for case, why in due:
        gone: list[str] = []
        kept: dict[str, str] = {}
        for capture in sorted(holdings[case.ref]):
            if capture in live:
                kept[capture] = live[capture]
                continue
            if not dry_run:
                try:
                    locker.destroy(capture, f"retention: {why}")
                except UnknownCapture:
                    continue
            gone.append(capture)
        outcomes.append(CaseOutcome(case.ref, why, tuple(gone), kept))
    checkpoint_size = None
    if due and not dry_run:
        checkpoint_size = locker.checkpoint().tree_size
        with db.session() as session:
            for case, _ in due:
                _policy_row(session, case).destroyed_at = now
    return RetentionReport(tuple(outcomes), checkpoint_size, dry_run)
