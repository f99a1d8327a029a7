"""``/timeline/entry/{id}``, ``/timeline/case/{ref}`` and ``/links`` as JSON: the same
services and forms as ``haechi timeline --json`` and ``haechi links --json``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request

from haechi.members.model import Actor
from haechi.tracking.errors import NotTracked
from haechi.tracking.timeline import case_timeline, entry_timeline
from haechi.web.deps import require
from haechi.web.params import RowId
from haechi.web.routes.tracking import CaseRef, Platform, Within, current_links

router = APIRouter(tags=["tracking"])


@router.get("/timeline/entry/{entry_id}")
def entry_timeline_json(
    request: Request,
    entry_id: RowId,
    actor: Annotated[Actor, require("timeline.read")],
    platform: Platform = None,
) -> dict[str, Any]:
    """Every sighting of a registered entry and what was done, in time order."""
    try:
        return entry_timeline(request.app.state.db, entry_id).only(platform).as_json()
    except NotTracked as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/timeline/case/{ref}")
def case_timeline_json(
    request: Request,
    ref: CaseRef,
    actor: Annotated[Actor, require("timeline.case")],
    platform: Platform = None,
) -> dict[str, Any]:
    """The same for a case's entries and hits (entries by id; no labels)."""
    try:
        return case_timeline(request.app.state.db, ref).only(platform).as_json()
    except NotTracked as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/links")
def links_json(
    request: Request, actor: Annotated[Actor, require("links.read")], within: Within = None
) -> dict[str, Any]:
    """Accounts that carried the same content, each link with its evidence, and clusters."""
    return current_links(request, within).as_json()
