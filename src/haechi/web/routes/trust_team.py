"""The team's side of the verify page: the impersonation-report queue and the channel list.

Members read reports from the public and close them with what they did; admins keep the
official-channels registry that ``/.well-known/haechi-channels.json`` publishes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.trust.channels import (
    ChannelKind,
    add_channel,
    list_channels,
    parse_kind,
    remove_channel,
)
from haechi.trust.reports import close, queue
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render

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
