"""Passkeys: the member's own list (add, remove) and the passkey step of signing in.

Adding runs in the page's script through the JSON API (``/api/v1/passkeys/registration``).
Signing in with a passkey is the second step after the password, like the code: its two
endpoints answer JSON to the page's script, need the half-signed-in session of the password
step and its CSRF token (``X-CSRF-Token``), and on success set the new session cookie.
A refused passkey is answered, not raised, so that the failure it recorded is committed and
counts towards the lock-out.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from haechi.members import passkeys
from haechi.members.errors import SignInRefused
from haechi.members.model import Actor
from haechi.members.sessions import PASSWORD, SessionInfo
from haechi.web.deps import CSRF_HEADER, DbSession, Now, address, require
from haechi.web.pages import render
from haechi.web.params import RowId

router = APIRouter()

PasskeyId = RowId


def relying_party(request: Request) -> passkeys.RelyingParty:
    """The RP id (this server's host name) and origin, as the browser sees them."""
    return passkeys.RelyingParty(
        request.url.hostname or "localhost", f"{request.url.scheme}://{request.url.netloc}"
    )


@router.get("/passkeys")
def passkeys_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("passkeys.read")]
) -> Response:
    assert actor.member_id is not None
    listed = passkeys.list_passkeys(db, actor.member_id)
    return render(request, "passkeys.html", {"passkeys": listed})


@router.post("/passkeys/{passkey_id}/remove")
def remove(
    db: DbSession,
    now: Now,
    passkey_id: PasskeyId,
    actor: Annotated[Actor, require("passkeys.remove")],
) -> Response:
    passkeys.remove(db, actor, passkey_id, now=now)
    return RedirectResponse("/passkeys", status_code=303)


def _pending(request: Request) -> SessionInfo:
    """The password-step session, its CSRF token checked; 401/403 otherwise."""
    me: SessionInfo | None = request.state.web_session
    if me is None or me.stage != PASSWORD:
        raise HTTPException(401, "sign in with your password first")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not hmac.compare_digest(sent.encode(), me.csrf_token.encode()):
        raise HTTPException(403, "missing or wrong CSRF token")
    return me


@router.post("/signin/passkey/options")
def signin_options(request: Request, db: DbSession, now: Now) -> Response:
    pending = _pending(request)
    try:
        options = passkeys.signin_options(
            db, pending.id, relying_party(request), address=address(request), now=now
        )
    except SignInRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=401)
    return JSONResponse(options)


@router.post("/signin/passkey")
def signin(
    request: Request, db: DbSession, now: Now, credential: Annotated[dict[str, Any], Body()]
) -> Response:
    pending = _pending(request)
    try:
        done = passkeys.signin(
            db,
            pending.id,
            credential,
            relying_party(request),
            address=address(request),
            user_agent=request.headers.get("user-agent", ""),
            now=now,
        )
    except SignInRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=401)
    request.state.new_token = done.token
    return JSONResponse({"next": "/"})
