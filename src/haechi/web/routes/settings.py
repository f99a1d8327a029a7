"""Your settings: the language of the pages and the time zone times are shown in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from haechi.members.errors import MemberError
from haechi.members.model import Actor
from haechi.members.preferences import get_preferences, set_preferences, time_zones
from haechi.review.previews import blur_strength
from haechi.web.deps import DbSession, require
from haechi.web.pages import render

router = APIRouter()


def _page(
    request: Request, db: DbSession, actor: Actor, status: int = 200, **extra: object
) -> Response:
    assert actor.member_id is not None
    context = {
        "preferences": get_preferences(db, actor.member_id),
        "zones": time_zones(),
        "now_utc": request.app.state.clock(),
        "blur": blur_strength(db, actor.member_id),  # previews' blur (haechi.review.previews)
        **extra,
    }
    return render(request, "settings.html", context, status)


@router.get("/settings")
def settings_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("settings.read")]
) -> Response:
    return _page(request, db, actor)


@router.post("/settings")
def save_settings(
    request: Request,
    db: DbSession,
    actor: Annotated[Actor, require("settings.update")],
    locale: Annotated[str, Form(max_length=10)] = "",
    time_zone: Annotated[str, Form(max_length=64)] = "Asia/Seoul",
) -> Response:
    try:
        set_preferences(db, actor, locale or None, time_zone)
    except MemberError as exc:
        return _page(request, db, actor, 400, error=str(exc))
    return RedirectResponse("/settings", status_code=303)
