"""``/members``: the team, and invitations (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from haechi.members import service
from haechi.members.model import Actor
from haechi.web.api.schemas import InviteOut, MemberOut
from haechi.web.deps import DbSession, Now, require

router = APIRouter(tags=["members"])


@router.get("/members")
def list_members(
    db: DbSession, actor: Annotated[Actor, require("members.read")]
) -> list[MemberOut]:
    """Every member, by name."""
    return [MemberOut.model_validate(m.as_json()) for m in service.list_members(db, actor)]


@router.post("/members/invites", status_code=201)
def invite(
    request: Request, db: DbSession, now: Now, actor: Annotated[Actor, require("members.invite")]
) -> InviteOut:
    """A single-use invitation link (shown only in this answer)."""
    made = service.invite(db, actor, now=now)
    return InviteOut(
        link=f"{str(request.base_url).rstrip('/')}/join/{made.token}", expires_at=made.expires_at
    )
