"""Cases on the team's pages: the list, the victim's consent choices, and closing a case as
she chooses.

Consent here is two questions the work turns on, kept beside the case (not sealed: they
hold no personal data): may her evidence be kept, and may the police learn her name. Only
liaisons, admins and the console set them, and each change is audited. Closing is one step
with her choices: her hashes withdrawn for good (matching stops; hits keep naming the entry
as a tombstone), her evidence destroyed through the retention code (tombstones signed in the
evidence log), and the statistics kept: notices, removals and re-uploads stay counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.cases.model import Case
from haechi.cases.personal import may_keep
from haechi.casework.paging import Page, paginate
from haechi.members.errors import NotAllowed
from haechi.members.model import Actor
from haechi.notices.desk import Desk
from haechi.notices.errors import CaseError
from haechi.notices.withdrawals import discard_unsent
from haechi.ops import retention
from haechi.store.banks import BankStore
from haechi.store.cases import CaseStore
from haechi.store.casework_models import CaseClosingRow, CaseConsentRow
from haechi.store.models import CaseMemberRow, CaseRow, EntryRow, HitRow, PoliceReportRow


@dataclass(frozen=True)
class Consent:
    """Her answers; ``None`` is "not asked yet"."""

    keep_evidence: bool | None = None
    police_may_name: bool | None = None
    updated_at: datetime | None = None
    updated_by: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "keep_evidence": self.keep_evidence,
            "police_may_name": self.police_may_name,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by": self.updated_by,
        }


@dataclass(frozen=True)
class Closing:
    """How a case was closed."""

    closed_at: datetime
    closed_by: str
    withdrawn: int
    destroy_evidence: bool
    destroyed: int = 0  # captures destroyed at closing (0 when the key was not there)

    def as_json(self) -> dict[str, Any]:
        return {
            "closed_at": self.closed_at.isoformat(),
            "closed_by": self.closed_by,
            "entries_withdrawn": self.withdrawn,
            "destroy_evidence": self.destroy_evidence,
            "captures_destroyed": self.destroyed,
        }


@dataclass(frozen=True)
class CaseSummary:
    """A line of the case list."""

    case: Case
    entries: int
    hits: int
    reports: int
    waiting_reports: int

    def as_json(self) -> dict[str, Any]:
        return {
            **self.case.as_json(),
            "entries": self.entries,
            "hits": self.hits,
            "police_reports": self.reports,
            "reports_waiting": self.waiting_reports,
        }


CASE_SORTS = {
    "ref": lambda s: s.case.ref,
    "opened": lambda s: s.case.created_at,
    "closed": lambda s: s.case.closed_at,
    "entries": lambda s: s.entries,
    "hits": lambda s: s.hits,
    "reports": lambda s: s.reports,
}


def _counts(session: Session, query: Any) -> dict[str, int]:
    return {ref: n for ref, n in session.execute(query) if ref is not None}


def list_cases(
    session: Session,
    *,
    state: str = "",
    sort: str = "opened",
    order: str = "desc",
    page: int = 1,
    per_page: int = 50,
) -> Page[CaseSummary]:
    """Cases with what they hold, counted in a few grouped queries, then one page of them.

    ``state``: ``open``, ``closed`` or empty for all.
    """
    if state not in ("", "open", "closed"):
        raise CaseError("a case's state is open or closed")
    cases = [
        Case(r.id, r.ref, r.created_at, r.closed_at)
        for r in session.scalars(select(CaseRow).order_by(CaseRow.id))
    ]
    if state:
        cases = [c for c in cases if (c.closed_at is None) == (state == "open")]
    tagged = _counts(
        session, select(EntryRow.case_ref, func.count(EntryRow.id)).group_by(EntryRow.case_ref)
    )
    added = dict(
        session.execute(
            select(CaseMemberRow.case_id, func.count(CaseMemberRow.id))
            .where(CaseMemberRow.kind == "entry")
            .group_by(CaseMemberRow.case_id)
        ).all()
    )
    hits = _counts(
        session,
        select(EntryRow.case_ref, func.count(HitRow.id))
        .join(EntryRow, EntryRow.id == HitRow.entry_id)
        .group_by(EntryRow.case_ref),
    )
    reports = dict(
        session.execute(
            select(PoliceReportRow.case_id, func.count(PoliceReportRow.id)).group_by(
                PoliceReportRow.case_id
            )
        ).all()
    )
    waiting = dict(
        session.execute(
            select(PoliceReportRow.case_id, func.count(PoliceReportRow.id))
            .where(PoliceReportRow.answered_at.is_(None))
            .group_by(PoliceReportRow.case_id)
        ).all()
    )
    summaries = [
        CaseSummary(
            c,
            tagged.get(c.ref, 0) + added.get(c.id, 0),
            hits.get(c.ref, 0),
            reports.get(c.id, 0),
            waiting.get(c.id, 0),
        )
        for c in cases
    ]
    return paginate(summaries, CASE_SORTS, sort=sort, order=order, page=page, per_page=per_page)


def _require_keeper(actor: Actor, what: str) -> None:
    if not may_keep(actor):
        raise NotAllowed(f"only a liaison or an admin may {what}")


def consent_of(session: Session, ref: str) -> Consent:
    """Her recorded choices (all "not asked" until set)."""
    row = session.get(CaseConsentRow, CaseStore(session).case_id(ref))
    if row is None:
        return Consent()
    return Consent(row.keep_evidence, row.police_may_name, row.updated_at, row.updated_by)


def set_consent(
    session: Session,
    actor: Actor,
    ref: str,
    keep_evidence: bool | None,
    police_may_name: bool | None,
    *,
    now: datetime,
) -> Consent:
    """Record her answers (liaisons, admins, the console), audited."""
    _require_keeper(actor, "record a victim's consent")
    cases = CaseStore(session)
    case = cases.get(ref)
    row = session.get(CaseConsentRow, case.id)
    if row is None:
        row = CaseConsentRow(case_id=case.id)
        session.add(row)
    row.keep_evidence, row.police_may_name = keep_evidence, police_may_name
    row.updated_at, row.updated_by = now, actor.name
    record(
        session,
        AuditKind.CASE_CONSENT_SET,
        actor,
        detail={
            "case": case.ref,
            "keep_evidence": keep_evidence,
            "police_may_name": police_may_name,
        },
        now=now,
    )
    session.flush()
    return consent_of(session, case.ref)


def closing_of(session: Session, ref: str) -> Closing | None:
    """How the case was closed, if it was."""
    row = session.get(CaseClosingRow, CaseStore(session).case_id(ref))
    if row is None:
        return None
    return Closing(row.closed_at, row.closed_by, row.withdrawn, row.destroy_evidence)


def close_case(
    desk: Desk,
    ref: str,
    *,
    withdraw_hashes: bool,
    destroy_evidence: bool,
    reason: str = "",
) -> Closing:
    """Close a case as she chooses (liaisons, admins, the console); audited.

    Her entries are withdrawn and the closing recorded in one transaction; then the case's
    retention starts (:func:`haechi.ops.retention.close_case`) and, if she asks, its
    evidence is destroyed now by the retention run, which signs the tombstones. Without the
    signing key here the destruction stays requested and the next ``haechi retention run``
    carries it out. Notices, removals and hits stay: the statistics keep counting them.
    """
    actor = desk.actor
    _require_keeper(actor, "close a victim's case")
    now = desk.clock()
    with desk.db.session() as session:
        cases = CaseStore(session)
        case = cases.get(ref)
        if session.get(CaseClosingRow, case.id) is not None or case.closed_at is not None:
            raise CaseError(f"case {case.ref} is closed already")
        withdrawn: list[int] = []
        if withdraw_hashes:
            banks = BankStore(session)
            for entry_id in cases.entry_ids(case.ref):
                if banks.entry(entry_id).withdrawn_at is None:
                    banks.withdraw(entry_id, now)
                    withdrawn.append(entry_id)
            if withdrawn:
                discarded = discard_unsent(session, now)
                record(
                    session, AuditKind.ENTRIES_WITHDRAWN, actor,
                    detail={"entries": withdrawn, "notices_discarded": discarded}, now=now,
                )  # fmt: skip
        session.add(
            CaseClosingRow(
                case_id=case.id,
                closed_at=now,
                closed_by=actor.name,
                withdrawn=len(withdrawn),
                destroy_evidence=destroy_evidence,
            )
        )
        record(
            session,
            AuditKind.CASE_CLOSED,
            actor,
            detail={
                "case": case.ref,
                "entries_withdrawn": len(withdrawn),
                "destroy_evidence": destroy_evidence,
            },
            now=now,
        )
        ref = case.ref
    retention.close_case(desk.db, ref, now)
    destroyed = 0
    if destroy_evidence:
        retention.request_destruction(desk.db, ref, now, reason)
        if desk.evidence is not None:
            locker = desk.evidence.locker()
            if locker.key is not None:
                ran = retention.run_retention(desk.db, locker, now)
                destroyed = sum(len(c.destroyed) for c in ran.cases if c.ref == ref)
    return Closing(now, actor.name, len(withdrawn), destroy_evidence, destroyed)
