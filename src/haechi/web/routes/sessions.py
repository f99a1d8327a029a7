"""Your sessions: where you are signed in, and ending any of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from haechi.members import sessions
from haechi.members.model import Actor
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render

router = APIRouter()


@router.get("/sessions")
def sessions_page(
    request: Request, db: DbSession, now: Now, actor: Annotated[Actor, require("sessions.read")]
) -> Response:
    assert actor.member_id is not None
    listed = sessions.list_sessions(db, actor.member_id, now=now)
    return render(request, "sessions.html", {"sessions": listed, "current": actor.session_id})


@router.post("/sessions/{session_id}/revoke")
def revoke(
    request: Request,
    db: DbSession,
    now: Now,
    session_id: int,
    actor: Annotated[Actor, require("sessions.revoke")],
) -> Response:
    sessions.revoke(db, actor, session_id, now=now)
    if session_id == actor.session_id:
        request.state.end_session = True
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse("/sessions", status_code=303)
