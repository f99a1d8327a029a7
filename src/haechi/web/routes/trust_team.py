"""The team's side of the verify page: the impersonation-report queue, the channel list and
members' credentials.

Members read reports from the public and close them with what they did; admins keep the
official-channels registry that ``/.well-known/haechi-channels.json`` publishes, and issue,
print (the card, PDF) and revoke members' credentials, whose revocation the status list at
``/.well-known/haechi-status.json`` publishes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.trust import members
from haechi.trust.channels import (
    ChannelKind,
    add_channel,
    list_channels,
    parse_kind,
    remove_channel,
)
from haechi.trust.errors import UnknownDocument
from haechi.trust.reports import close, queue
from haechi.web.deps import DbSession, FormFields, Now, require
from haechi.web.i18n import N_
from haechi.web.pages import render
from haechi.web.routes.wellknown import trust_config

router = APIRouter()
ItemId = Annotated[int, Path(ge=1, le=2**62)]


def _reports(request: Request, db: Session, status: int = 200, **extra: Any) -> Response:
    context = {"reports": queue(db, open_only=False), **extra}
    return render(request, "trust/reports.html", context, status)


@router.get("/trust/reports")
def reports_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("trust.reports.read")]
) -> Response:
    return _reports(request, db)


@router.post("/trust/reports/{report_id}/close")
def close_report(
    request: Request,
    db: DbSession,
    now: Now,
    report_id: ItemId,
    actor: Annotated[Actor, require("trust.reports.close")],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        close(db, actor, report_id, note, now)
    except HaechiError as exc:
        return _reports(request, db, 400, error=str(exc))
    return RedirectResponse("/trust/reports", status_code=303)


def _channels(request: Request, db: Session, status: int = 200, **extra: Any) -> Response:
    context = {"channels": list_channels(db), "kinds": [k.value for k in ChannelKind], **extra}
    return render(request, "trust/channels.html", context, status)


@router.get("/trust/channels")
def channels_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("trust.channels.read")]
) -> Response:
    return _channels(request, db)


@router.post("/trust/channels")
def channel_add(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("trust.channels.manage")],
    kind: Annotated[str, Form(max_length=20)],
    value: Annotated[str, Form(max_length=300)],
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        add_channel(db, actor, parse_kind(kind), value, label, now)
    except HaechiError as exc:
        return _channels(request, db, 400, error=str(exc))
    return RedirectResponse("/trust/channels", status_code=303)


@router.post("/trust/channels/{channel_id}/remove")
def channel_remove(
    request: Request,
    db: DbSession,
    now: Now,
    channel_id: ItemId,
    actor: Annotated[Actor, require("trust.channels.manage")],
) -> Response:
    try:
        remove_channel(db, actor, channel_id, now)
    except HaechiError as exc:
        return _channels(request, db, 400, error=str(exc))
    return RedirectResponse("/trust/channels", status_code=303)


def _credentials(request: Request, db: Session, status: int = 200, **extra: Any) -> Response:
    config = trust_config(request)
    listed = [(c, config.verify_link(c.code)) for c in members.all_credentials(db)]
    return render(request, "trust/credentials.html", {"credentials": listed, **extra}, status)


@router.get("/trust/credentials")
def credentials_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("trust.credentials.read")]
) -> Response:
    return _credentials(request, db)


@router.post("/trust/credentials")
def credential_issue(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("trust.credentials.manage")],
    form: FormFields,
) -> Response:
    name, days = str(form.get("member", "")).strip(), str(form.get("days", "365")).strip()
    if not days.isdigit() or not 1 <= int(days) <= 3650:
        return _credentials(request, db, 400, error=N_("Days: a whole number from 1 to 3650."))
    try:
        members.issue(db, trust_config(request), actor, name, now, int(days))
    except HaechiError as exc:
        return _credentials(request, db, 400, error=str(exc))
    return RedirectResponse("/trust/credentials", status_code=303)


@router.post("/trust/credentials/{code}/revoke")
def credential_revoke(
    request: Request,
    db: DbSession,
    now: Now,
    code: Annotated[str, Path(max_length=40)],
    actor: Annotated[Actor, require("trust.credentials.manage")],
    form: FormFields,
) -> Response:
    reason = str(form.get("reason", ""))[:300]
    try:
        members.revoke(db, trust_config(request), actor, code, reason, now)
    except HaechiError as exc:
        return _credentials(request, db, 400, error=str(exc))
    return RedirectResponse("/trust/credentials", status_code=303)


@router.get("/trust/credentials/{code}/card.pdf")
def credential_card(
    request: Request,
    db: DbSession,
    code: Annotated[str, Path(max_length=40)],
    actor: Annotated[Actor, require("trust.credentials.read")],
) -> Response:
    try:
        pdf = members.card_of(db, trust_config(request), code)
    except UnknownDocument as exc:
        raise HTTPException(404, str(exc)) from None
    except HaechiError as exc:
        raise HTTPException(400, str(exc)) from None
    headers = {"Content-Disposition": f'attachment; filename="card-{code}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
