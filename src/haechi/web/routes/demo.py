"""The demo server's one-time sign-in link (mounted only by `haechi demo`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from haechi.demo.signin import DemoSignIn
from haechi.web.deps import DbSession, Now, address
from haechi.web.i18n import N_
from haechi.web.pages import render

router = APIRouter()


@router.get("/demo/signin/{token}")
def demo_signin(request: Request, db: DbSession, now: Now, token: str) -> Response:
    link: DemoSignIn | None = getattr(request.app.state, "demo_link", None)
    signed = None
    if link is not None and len(token) <= 100:
        signed = link.redeem(
            db,
            token,
            now=now,
            address=address(request),
            user_agent=request.headers.get("user-agent", ""),
        )
    if signed is None:
        message = N_("This sign-in link has been used or has expired.")
        return render(request, "error.html", {"message": message}, 410)
    request.state.new_token = signed
    return RedirectResponse("/", status_code=303)
