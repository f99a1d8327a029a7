"""``/me`` and ``/sessions``: who is signed in, and her sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from haechi.members import sessions
from haechi.members.model import Actor
from haechi.members.service import get_member
from haechi.web.api.schemas import MemberOut, MeOut, SessionOut
from haechi.web.deps import CurrentMember, DbSession, Now, require

router = APIRouter(tags=["me"])


@router.get("/me")
def me(db: DbSession, member: CurrentMember, actor: Annotated[Actor, require("me.read")]) -> MeOut:
    """The signed-in member and the CSRF token of this session."""
    found = get_member(db, member.member_id)
    return MeOut(
        member=MemberOut.model_validate(found.as_json()),
        session_id=member.id,
        csrf_token=member.csrf_token,
    )


@router.get("/sessions")
def list_sessions(
    db: DbSession, now: Now, actor: Annotated[Actor, require("sessions.read")]
) -> list[SessionOut]:
    """The member's live sessions, newest first."""
    assert actor.member_id is not None
    found = sessions.list_sessions(db, actor.member_id, now=now)
    return [SessionOut.model_validate(s.as_json(actor.session_id)) for s in found]


@router.delete("/sessions/{session_id}", status_code=204)
def revoke_session(
    request: Request,
    db: DbSession,
    now: Now,
    session_id: int,
    actor: Annotated[Actor, require("sessions.revoke")],
) -> Response:
    """End one of the member's sessions (this one too: then the cookie is cleared)."""
    sessions.revoke(db, actor, session_id, now=now)
    if session_id == actor.session_id:
        request.state.end_session = True
    return Response(status_code=204)
