"""Impersonation reports from the public: "this account pretends to be you".

Anyone may report, without an account; the report holds the channel's kind, the value and what
the person saw, never who reported (no name, no address stored). They land in a queue that
members work through and close with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.model import Actor
from haechi.store.trust_models import ImpersonationReportRow
from haechi.trust.channels import MAX_VALUE, ChannelKind
from haechi.trust.errors import TrustError

MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class Report:
    """One report."""

    id: int
    kind: str
    value: str
    description: str
    created_at: datetime
    status: str
    closed_by: str | None
    note: str | None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "id": self.id,
            "kind": self.kind,
            "value": self.value,
            "description": self.description,
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "closed_by": self.closed_by,
            "note": self.note,
        }


def _report(row: ImpersonationReportRow) -> Report:
    return Report(
        row.id,
        row.kind,
        row.value,
        row.description,
        row.created_at,
        row.status,
        row.closed_by,
        row.note,
    )


def submit(
    session: Session, kind: ChannelKind, value: str, description: str, now: datetime
) -> Report:
    """Queue a report from the public."""
    value, description = value.strip(), description.strip()
    if not value or len(value) > MAX_VALUE:
        raise TrustError(f"name the account, number or address (at most {MAX_VALUE} characters)")
    if len(description) > MAX_DESCRIPTION:
        raise TrustError(f"describe it in at most {MAX_DESCRIPTION} characters")
    row = ImpersonationReportRow(
        kind=kind.value, value=value, description=description, created_at=now, status="open"
    )
    session.add(row)
    session.flush()
    return _report(row)


def queue(session: Session, open_only: bool = True) -> list[Report]:
    """Reports, newest first (only open ones unless asked)."""
    query = select(ImpersonationReportRow).order_by(ImpersonationReportRow.id.desc())
    if open_only:
        query = query.where(ImpersonationReportRow.status == "open")
    return [_report(r) for r in session.scalars(query.limit(500))]


def close(session: Session, actor: Actor, report_id: int, note: str, now: datetime) -> Report:
    """Close a report with what was done about it."""
    row = session.get(ImpersonationReportRow, report_id)
    if row is None or row.status != "open":
        raise TrustError(f"no open report {report_id}")
    row.status, row.closed_at, row.closed_by, row.note = "closed", now, actor.name, note[:500]
    record(
        session,
        AuditKind.IMPERSONATION_CLOSED,
        actor,
        detail={"report": row.id, "kind": row.kind},
        now=now,
    )
    session.flush()
    return _report(row)
