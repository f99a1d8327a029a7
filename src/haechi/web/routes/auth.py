"""Signing in (password, then a TOTP or recovery code), signing out, joining by invitation.

These are the public pages. A refused sign-in is answered normally (not raised), so that the
failure it recorded is committed and counts towards the lock-out.
"""

from __future__ import annotations

import hmac
from typing import Annotated

import segno
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from haechi.members import service, signin
from haechi.members.errors import SignInRefused
from haechi.members.model import Actor
from haechi.members.sessions import PASSWORD, SessionInfo, sign_out
from haechi.web.deps import DbSession, Now, address, require
from haechi.web.pages import render

router = APIRouter()


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/signin")
def signin_page(request: Request) -> Response:
    me: SessionInfo | None = request.state.web_session
    if me is not None and me.stage != PASSWORD:
        return _see_other("/")
    return render(request, "signin.html")


@router.post("/signin")
def signin_password(
    request: Request,
    db: DbSession,
    now: Now,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=2000)],
) -> Response:
    try:
        done = signin.password_step(
            db,
            name,
            password,
            address=address(request),
            user_agent=request.headers.get("user-agent", ""),
            now=now,
        )
    except SignInRefused as exc:
        return render(request, "signin.html", {"error": str(exc), "name": name}, 401)
    request.state.new_token = done.token
    return _see_other("/signin/code")


def _pending(request: Request) -> SessionInfo | None:
    me: SessionInfo | None = request.state.web_session
    return me if me is not None and me.stage == PASSWORD else None


@router.get("/signin/code")
def signin_code_page(request: Request) -> Response:
    if _pending(request) is None:
        return _see_other("/signin")
    return render(request, "signin_code.html")


@router.post("/signin/code")
def signin_code(
    request: Request,
    db: DbSession,
    now: Now,
    code: Annotated[str, Form(max_length=100)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    pending = _pending(request)
    if pending is None:
        return _see_other("/signin")
    if not hmac.compare_digest(csrf_token.encode(), pending.csrf_token.encode()):
        raise HTTPException(403, "missing or wrong CSRF token")
    try:
        done = signin.second_step(
            db,
            pending.id,
            code,
            address=address(request),
            user_agent=request.headers.get("user-agent", ""),
            now=now,
        )
    except SignInRefused as exc:
        page = "signin_code.html" if str(exc) == signin.WRONG_CODE else "signin.html"
        if page == "signin.html":
            request.state.end_session = True
        return render(request, page, {"error": str(exc)}, 401)
    request.state.new_token = done.token
    return _see_other("/")


@router.post("/signout")
def signout(
    request: Request, db: DbSession, now: Now, actor: Annotated[Actor, require("session.sign_out")]
) -> Response:
    sign_out(db, actor, now=now)
    request.state.end_session = True
    return _see_other("/signin")


@router.get("/join/{token}")
def join_page(request: Request, db: DbSession, now: Now, token: str) -> Response:
    service.check_invite(db, token, now=now)
    return render(request, "join.html", {"token": token})


@router.post("/join/{token}")
def join(
    request: Request,
    db: DbSession,
    now: Now,
    token: str,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=2000)],
    password_again: Annotated[str, Form(max_length=2000)],
) -> Response:
    if password != password_again:
        differ = {"token": token, "error": "The passwords differ.", "name": name}
        return render(request, "join.html", differ, 400)
    enrolment = service.accept_invite(db, token, name, password, address=address(request), now=now)
    qr = segno.make(enrolment.totp_uri, error="m").svg_inline(scale=4)
    secret = enrolment.totp_uri.split("secret=", 1)[1].split("&", 1)[0]
    return render(request, "joined.html", {"enrolment": enrolment, "qr": qr, "secret": secret})
