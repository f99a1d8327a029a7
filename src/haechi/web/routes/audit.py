"""The audit log for auditors and admins: filtered by kind and member, exported as CSV or JSON.

An export is itself an event of the trail.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from haechi.audit import export, trail
from haechi.members.model import Actor
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render

router = APIRouter()

Kind = Annotated[str | None, Query(max_length=50)]
MemberName = Annotated[str | None, Query(max_length=100)]


@router.get("/audit")
def audit_page(
    request: Request,
    db: DbSession,
    actor: Annotated[Actor, require("audit.read")],
    kind: Kind = None,
    member: MemberName = None,
) -> Response:
    context = {
        "events": trail.events(db, kind=kind or None, member=member or None),
        "kinds": list(trail.AuditKind),
        "kind": kind or "",
        "member": member or "",
        "chain": trail.verify_chain(db),
    }
    return render(request, "audit.html", context)


@router.get("/audit/export")
def audit_export(
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("audit.export")],
    format: Literal["csv", "json"] = "csv",
    kind: Kind = None,
    member: MemberName = None,
) -> Response:
    found = list(trail.iter_events(db, kind=kind or None, member=member or None))
    trail.record(
        db,
        trail.AuditKind.AUDIT_EXPORTED,
        actor,
        detail={"format": format, "kind": kind, "member": member, "rows": len(found)},
        now=now,
    )
    stamp = f"{now:%Y%m%dT%H%M%SZ}"
    if format == "json":
        body, media, suffix = export.to_json_lines(found), "application/x-ndjson", "jsonl"
    else:
        body, media, suffix = export.to_csv(found), "text/csv; charset=utf-8", "csv"
    disposition = f'attachment; filename="haechi-audit-{stamp}.{suffix}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})
