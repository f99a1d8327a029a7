"""Where registered content travelled (``/timeline/entry/{id}``, ``/timeline/case/{ref}``)
and who carried it (``/links``, with GraphML and JSON downloads for the police): charts drawn
as SVG on the server with hover titles, and the same facts in tables. Filtering by platform is
a link, no script."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from haechi.members.model import Actor
from haechi.tracking.chart import WORDS, timeline_svg
from haechi.tracking.errors import NotTracked
from haechi.tracking.exports import export_links
from haechi.tracking.graph_chart import links_svg
from haechi.tracking.links import LinkMap
from haechi.tracking.timeline import Timeline, case_timeline, entry_timeline
from haechi.web.deps import require
from haechi.web.i18n import N_, clock_text, translator
from haechi.web.pages import render
from haechi.web.params import RowId

router = APIRouter()

# The chart's words, marked here for the catalogues (haechi.tracking.chart shows them).
_CHART_WORDS = (
    N_("first seen"),
    N_("seen again"),
    N_("captured"),
    N_("reported"),
    N_("removed"),
    N_("unknown platform"),
    N_("after a removal"),
    N_("Where it was seen, and what was done"),
    N_("Accounts that carried the same content"),
    N_("forwarded"),
    N_("shared items"),
    N_("same network"),
)
assert set(WORDS.values()) <= set(_CHART_WORDS)

Platform = Annotated[str | None, Query(max_length=60)]
Within = Annotated[float | None, Query(ge=0, le=24 * 366)]
CaseRef = Annotated[str, Path(min_length=1, max_length=40)]


def _timeline_page(request: Request, timeline: Timeline, platform: str | None) -> Response:
    _ = translator(getattr(request.state, "locale", "ko"))
    preferences = getattr(request.state, "preferences", None)
    when = clock_text(preferences.time_zone if preferences else None)
    shown = timeline.only(platform)
    svg = timeline_svg(
        shown, request.app.state.clock(), lambda moment: when(moment, "%Y-%m-%d %H:%M"), _
    )
    context = {
        "timeline": shown,
        "platforms": timeline.platforms,
        "platform": platform,
        "words": WORDS,
        "chart": Markup(svg),  # every text in it is escaped
    }
    return render(request, "timeline.html", context)


def _not_found(request: Request, exc: NotTracked) -> Response:
    return render(request, "error.html", {"message": str(exc)}, 404)


@router.get("/timeline/entry/{entry_id}")
def entry_page(
    request: Request,
    entry_id: RowId,
    actor: Annotated[Actor, require("timeline.read")],
    platform: Platform = None,
) -> Response:
    try:
        timeline = entry_timeline(request.app.state.db, entry_id)
    except NotTracked as exc:
        return _not_found(request, exc)
    return _timeline_page(request, timeline, platform)


@router.get("/timeline/case/{ref}")
def case_page(
    request: Request,
    ref: CaseRef,
    actor: Annotated[Actor, require("timeline.case")],
    platform: Platform = None,
) -> Response:
    try:
        timeline = case_timeline(request.app.state.db, ref)
    except NotTracked as exc:
        return _not_found(request, exc)
    return _timeline_page(request, timeline, platform)


def current_links(request: Request, within: float | None) -> LinkMap:
    """The link map now, over copies ``within`` hours of each other (any time for ``None``)."""
    from datetime import timedelta

    from haechi.tracking.links import link_map

    window = timedelta(hours=within) if within is not None else None
    return link_map(request.app.state.db, request.app.state.clock(), window)


@router.get("/links")
def links_page(
    request: Request, actor: Annotated[Actor, require("links.read")], within: Within = None
) -> Response:
    links = current_links(request, within)
    _ = translator(getattr(request.state, "locale", "ko"))
    context = {
        "links": links,
        "within": within,
        "chart": Markup(links_svg(links, _)),  # escaped by links_svg
    }
    return render(request, "links.html", context)


def _export(request: Request, actor: Actor, fmt: str, within: float | None) -> Response:
    text = export_links(request.app.state.db, actor, fmt, current_links(request, within))
    media = "application/graphml+xml" if fmt == "graphml" else "application/json"
    return Response(
        text,
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="haechi-links.{fmt}"'},
    )


@router.get("/links/export.graphml")
def links_graphml(
    request: Request, actor: Annotated[Actor, require("links.export")], within: Within = None
) -> Response:
    return _export(request, actor, "graphml", within)


@router.get("/links/export.json")
def links_json_file(
    request: Request, actor: Annotated[Actor, require("links.export")], within: Within = None
) -> Response:
    return _export(request, actor, "json", within)
