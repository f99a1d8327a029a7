"""What a team hands outsiders, and whom to hand it to: the redacted bundle for a platform
(for a hit or for a notice) and the hit page's "who can act" lookup.

Thin: the bundle is :mod:`haechi.redaction.delivery`'s (audited there), the route
:mod:`haechi.routing.saved`'s. A hit page shows the route kept for its host and never looks one
up on view; the lookup is a POST, because it asks DNS and the registries.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.redaction import delivery
from haechi.review.hitpage import hit_view
from haechi.routing.errors import RoutingError
from haechi.routing.saved import first_web_url, look_up, saved_route
from haechi.scan.preserve import evidence_config
from haechi.store.database import Database
from haechi.web.casework import desk_for, refused_page
from haechi.web.deps import require
from haechi.web.i18n import N_
from haechi.web.pages import render
from haechi.web.params import RowId

router = APIRouter()

NO_STORE = {"Cache-Control": "no-store"}

# The desks' roles as the "who can act" box shows them (haechi.routing.model.Role's values).
SHOWN = (N_("platform"), N_("cdn"), N_("host"), N_("registrar"), N_("hotline"), N_("regulator"))
REFUSED = N_("You may not look routes up.")  # the notices page's route option, for other roles


def _zip(request: Request, actor: Actor, subject: delivery.Subject) -> Response:
    settings = request.app.state.settings
    try:
        zipped = delivery.zipped_bundle(
            request.app.state.db, evidence_config(settings), subject, settings.home, actor
        )
    except HaechiError as exc:
        raise HTTPException(409, str(exc)) from None
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{zipped.filename}"'}
    return Response(zipped.data, media_type="application/zip", headers=headers)


@router.get("/hits/{hit_id}/bundle.zip")
def hit_bundle(
    request: Request, hit_id: RowId, actor: Annotated[Actor, require("bundles.download")]
) -> Response:
    """The bundle a platform receives for this hit: evidence untouched, pages redacted."""
    return _zip(request, actor, delivery.for_hits([hit_id]))


@router.get("/notices/{notice_id}/bundle.zip")
def notice_bundle(
    request: Request, notice_id: RowId, actor: Annotated[Actor, require("bundles.download")]
) -> Response:
    """The bundle that goes with a notice: its cited hits, evidence untouched, pages redacted."""
    try:
        subject = delivery.for_notice(request.app.state.db, notice_id)
    except HaechiError as exc:
        return refused_page(request, exc)
    return _zip(request, actor, subject)


def route_box(db: Database, location: str, found_in: str | None) -> dict[str, object]:
    """The hit page's "who can act" box: the URL routing would look up (``None`` when the
    hit has no web address) and the route kept for its host (asks no one)."""
    url = first_web_url((location, found_in))
    try:
        kept = saved_route(db, url) if url else None
    except RoutingError:  # a host too long to be one: nothing can have been kept
        return {"url": None, "kept": None}
    return {"url": url, "kept": kept}


@router.post("/hits/{hit_id}/route")
def route_hit(
    request: Request, hit_id: RowId, actor: Annotated[Actor, require("routing.lookup")]
) -> Response:
    """Look up who can act on the hit's URL now, keep it, and show the hit page again."""
    try:
        with request.app.state.db.session() as session:  # closed before anyone is asked
            hit = hit_view(session, hit_id).item.hit
    except HaechiError:
        return render(request, "error.html", {"message": "Not found."}, 404)
    url = first_web_url((hit.location, hit.found_in))
    if url is None:
        message = "This hit has no web address to look up."
        return render(request, "error.html", {"message": message}, 422)
    desk = desk_for(request, actor)
    try:
        look_up(desk.db, url, desk.clock, desk.config.country)
    except HaechiError as exc:
        return refused_page(request, exc)
    return RedirectResponse(f"/hits/{hit_id}#route", status_code=303)
