"""``/audit``: the trail for auditors and admins, with the state of its chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from haechi.audit import trail
from haechi.members.model import Actor
from haechi.web.api.schemas import AuditEventOut, AuditOut, ChainOut
from haechi.web.deps import DbSession, require

router = APIRouter(tags=["audit"])


@router.get("/audit")
def audit(
    db: DbSession,
    actor: Annotated[Actor, require("audit.read")],
    kind: Annotated[str | None, Query(max_length=50)] = None,
    member: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> AuditOut:
    """Events, newest first, filtered by kind and member (as actor or subject)."""
    report = trail.verify_chain(db)
    found = trail.events(db, kind=kind, member=member, limit=limit)
    return AuditOut(
        chain=ChainOut(
            rows=report.rows, ok=report.ok, broken_id=report.broken_id, reason=report.reason
        ),
        events=[AuditEventOut.model_validate(e.as_json()) for e in found],
    )
