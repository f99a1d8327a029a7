"""Members admin: invitation links, roles (promotion out of probation), suspension."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from haechi.members import service
from haechi.members.model import Actor, Role, parse_role
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render

router = APIRouter()


def _page(request: Request, db: DbSession, actor: Actor, **extra: object) -> Response:
    context = {"members": service.list_members(db, actor), "roles": list(Role), **extra}
    return render(request, "members.html", context)


@router.get("/members")
def members_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("members.read")]
) -> Response:
    return _page(request, db, actor)


@router.post("/members/invite")
def invite(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("members.invite")],
) -> Response:
    made = service.invite(db, actor, now=now)
    link = f"{str(request.base_url).rstrip('/')}/join/{made.token}"
    return _page(request, db, actor, invite_link=link, invite_expires=made.expires_at)


@router.post("/members/{member_id}/role")
def change_role(
    db: DbSession,
    now: Now,
    member_id: int,
    role: Annotated[str, Form(max_length=20)],
    actor: Annotated[Actor, require("members.role")],
) -> Response:
    service.set_role(db, actor, member_id, parse_role(role), now=now)
    return RedirectResponse("/members", status_code=303)


@router.post("/members/{member_id}/suspend")
def suspend(
    db: DbSession, now: Now, member_id: int, actor: Annotated[Actor, require("members.suspend")]
) -> Response:
    service.suspend(db, actor, member_id, now=now)
    return RedirectResponse("/members", status_code=303)


@router.post("/members/{member_id}/reinstate")
def reinstate(
    db: DbSession, now: Now, member_id: int, actor: Annotated[Actor, require("members.suspend")]
) -> Response:
    service.reinstate(db, actor, member_id, now=now)
    return RedirectResponse("/members", status_code=303)
