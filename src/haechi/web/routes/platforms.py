"""``/platforms``: the platform directory in the browser: every platform and regulator, where
its notices go, and forms to add one and to change one, over the same services as ``haechi
platforms list/add/edit`` (:mod:`haechi.notices.directory`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.notices.directory import add_platform, edit_platform, get_platform, list_platforms
from haechi.notices.platforms import Platform
from haechi.web.casework import desk_for, refused_page, status_of
from haechi.web.deps import FormFields, require
from haechi.web.pages import render
from haechi.web.platform_forms import form_fields

router = APIRouter()

PlatformName = Annotated[str, Path(min_length=1, max_length=60)]
_BLANK = {"answers": True, "kind": "host", "language": "en", "country": "KR"}


def _fields(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _list(request: Request, status: int = 200, **extra: Any) -> Response:
    context = {
        "platforms": list_platforms(request.app.state.db),
        "home_country": request.app.state.settings.notice_country,
        "entry": {**_BLANK, "country": request.app.state.settings.notice_country},
        **extra,
    }
    return render(request, "platforms.html", context, status)


def _values(platform: Platform) -> dict[str, Any]:
    """An entry as its edit form's boxes show it."""
    values = platform.as_json()
    values["domains"] = "\n".join(platform.domains)
    values["removed_markers"] = "\n".join(platform.removed_markers)
    return values


@router.get("/platforms")
def platforms_page(
    request: Request, actor: Annotated[Actor, require("platforms.read")]
) -> Response:
    return _list(request)


@router.post("/platforms")
def platform_add(
    request: Request, actor: Annotated[Actor, require("platforms.edit")], posted: FormFields
) -> Response:
    form = _fields(posted)
    try:
        platform = add_platform(desk_for(request, actor), form_fields(form, editing=False))
    except HaechiError as exc:
        return _list(request, status_of(exc), error=str(exc), entry=form)
    return RedirectResponse(f"/platforms/{platform.name}", status_code=303)


@router.get("/platforms/{platform}")
def platform_page(
    request: Request, platform: PlatformName, actor: Annotated[Actor, require("platforms.read")]
) -> Response:
    try:
        found = get_platform(request.app.state.db, platform)
    except HaechiError as exc:
        return refused_page(request, exc)
    context = {"platform": found, "entry": _values(found)}
    return render(request, "platform.html", context)


@router.post("/platforms/{platform}")
def platform_edit(
    request: Request,
    platform: PlatformName,
    actor: Annotated[Actor, require("platforms.edit")],
    posted: FormFields,
) -> Response:
    form = _fields(posted)
    try:
        current = get_platform(request.app.state.db, platform)
        edit_platform(desk_for(request, actor), platform, form_fields(form, editing=True))
    except HaechiError as exc:
        if str(exc).startswith("no platform"):
            return refused_page(request, exc)
        context = {"platform": current, "entry": form, "error": str(exc)}
        return render(request, "platform.html", context, status_of(exc))
    return RedirectResponse(f"/platforms/{platform}", status_code=303)
