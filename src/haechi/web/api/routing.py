"""``/api/v1/route``: who can act on a URL, as ``haechi route --json`` prints it.

``GET`` shows the route kept for the URL's host (``null`` when none was looked up) and asks
no one; ``POST`` looks it up now (DNS and the registries, paced and cached) and keeps it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.routing.saved import look_up, saved_route
from haechi.web.casework import desk_for
from haechi.web.deps import require

router = APIRouter(tags=["routing"])

Url = Annotated[str, Query(min_length=1, max_length=2100, description="An http(s) URL.")]


class RouteRequest(BaseModel):
    url: str = Field(min_length=1, max_length=2100, description="An http:// or https:// URL.")


@router.get("/route")
def kept_route(
    request: Request, url: Url, actor: Annotated[Actor, require("routing.read")]
) -> dict[str, Any]:
    """The route kept for the URL's host, with when it was found; ``route`` is null if none."""
    try:
        kept = saved_route(request.app.state.db, url)
    except HaechiError as exc:
        raise HTTPException(422, str(exc)) from None
    if kept is None:
        return {"url": url, "saved_at": None, "route": None}
    return kept.as_json()


@router.post("/route")
def new_route(
    request: Request, body: RouteRequest, actor: Annotated[Actor, require("routing.lookup")]
) -> dict[str, Any]:
    """Look the URL up now (registry answers younger than the cache age are reused), keep it."""
    desk = desk_for(request, actor)
    try:
        return look_up(desk.db, body.url, desk.clock, desk.config.country).as_json()
    except HaechiError as exc:
        raise HTTPException(422, str(exc)) from None
