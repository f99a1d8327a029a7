"""The review queue, one hit's page, its previews and downloads, and the auto-confirm policy.

Thin: each route parses, calls :mod:`haechi.review` (or :mod:`haechi.notices.review`, which
the command line calls too) and renders. Previews are served by these routes only, from the
evidence store, blurred unless a reveal token (from ``POST /api/v1/hits/{id}/reveal``) is
given; answers carry ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.notices.model import Decision
from haechi.notices.review import decide_hits
from haechi.review import downloads, previews
from haechi.review.downloads import DownloadError
from haechi.review.hitpage import hit_view
from haechi.review.policy import MAX_AUTO_DISTANCE, get_policy, set_policy
from haechi.review.queue import (
    QueueQuery,
    bank_names,
    platform_names,
    queue_page,
    source_kinds,
)
from haechi.scan.preserve import evidence_config
from haechi.web.deps import DbSession, FormFields, Now, require
from haechi.web.i18n import N_
from haechi.web.pages import render
from haechi.web.params import PageNo
from haechi.web.routes.outgoing import route_box

router = APIRouter()

SHOWN = (N_("pending"), N_("confirmed"), N_("rejected"), N_("sealed"), N_("gone"), N_("not-needed"))

HitId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]
Text = Annotated[str | None, Query(max_length=100)]
NO_STORE = {"Cache-Control": "no-store"}


def queue_query(
    status: Text = "pending",
    bank: Text = None,
    source: Text = None,
    platform: Text = None,
    max_age_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    sort: Text = "id",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
    page: PageNo = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> QueueQuery:
    """The queue's query from the query string (pages and the API share it)."""
    return QueueQuery(
        status or "pending",
        bank,
        source,
        platform,
        max_age_days,
        sort or "id",
        order == "desc",
        page,
        per_page,
    )


def _queue(
    request: Request, db: DbSession, query: QueueQuery, now: Now, **extra: object
) -> Response:
    try:
        found = queue_page(db, query, now)
    except HaechiError as exc:
        return render(request, "error.html", {"message": str(exc)}, 400)
    context = {
        "page": found,
        "q": found.query,
        "link": lambda **c: "/review?" + urlencode(found.query.params(**c)),
        "here": "/review?" + urlencode(found.query.params()),
        "banks": bank_names(db),
        "platforms": platform_names(db),
        "sources": source_kinds(),
        **extra,
    }
    return render(request, "review/queue.html", context, 400 if extra.get("error") else 200)


Query_ = Annotated[QueueQuery, Depends(queue_query)]


@router.get("/review")
def review_queue(
    request: Request,
    db: DbSession,
    now: Now,
    query: Query_,
    actor: Annotated[Actor, require("hits.read")],
) -> Response:
    return _queue(request, db, query, now)


def _back(target: str) -> str:
    """Where to go after a decision: a page of the queue or a hit's page, nowhere else."""
    return target if target.startswith(("/review?", "/hits/")) and "//" not in target else "/review"


@router.post("/review")
def review_decide(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("hits.review")],
    form: FormFields,
) -> Response:
    try:
        ids = [int(v) for v in form.getlist("hit") if isinstance(v, str)]
        decision = Decision(str(form.get("decision", "")))
    except ValueError:
        return render(request, "error.html", {"message": "Choose hits and a decision."}, 400)
    if not ids:
        return render(request, "error.html", {"message": "Choose hits and a decision."}, 400)
    try:
        decide_hits(
            db, actor, ids, decision, actor.name, str(form.get("reason", ""))[:2000], now=now
        )
    except HaechiError as exc:
        return render(request, "error.html", {"message": str(exc)}, 400)
    return RedirectResponse(_back(str(form.get("back", "/review"))), status_code=303)


@router.get("/hits/{hit_id}")
def hit_page(
    request: Request, db: DbSession, hit_id: HitId, actor: Annotated[Actor, require("hits.read")]
) -> Response:
    try:
        view = hit_view(db, hit_id)
    except HaechiError:
        return render(request, "error.html", {"message": "Not found."}, 404)
    captures = view.evidence.capture_ids if view.evidence else []
    config = evidence_config(request.app.state.settings)
    context = {
        "view": view,
        "hit": view.item.hit,
        "screenshot": bool(captures) and previews.has_screenshot(config, captures),
        "route": route_box(request.app.state.db, view.item.hit.location, view.item.hit.found_in),
    }
    return render(request, "review/hit.html", context)


def _image(png: bytes) -> Response:
    return Response(png, media_type="image/png", headers=NO_STORE)


@router.get("/hits/{hit_id}/preview")
def hit_preview(
    request: Request,
    db: DbSession,
    now: Now,
    hit_id: HitId,
    actor: Annotated[Actor, require("media.view")],
    reveal: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The hit's file from the evidence store: blurred and grey, or clear once with a token."""
    clear = reveal is not None and previews.redeem(db, actor, hit_id, reveal, now)
    if reveal is not None and not clear:
        raise HTTPException(403, "this reveal is used up or not yours: reveal again")
    config = evidence_config(request.app.state.settings)
    try:
        data = previews.media_bytes(db, config, hit_id)
        blur = None if clear else previews.blur_strength(db, actor.member_id)
        return _image(previews.render(data, blur))
    except HaechiError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/hits/{hit_id}/screenshot")
def hit_screenshot(
    request: Request,
    db: DbSession,
    hit_id: HitId,
    actor: Annotated[Actor, require("media.view")],
) -> Response:
    """The captured page's screenshot, always blurred and grey."""
    config = evidence_config(request.app.state.settings)
    try:
        data = previews.screenshot_bytes(db, config, hit_id)
        blur = previews.blur_strength(db, actor.member_id)
        return _image(previews.render(data, blur, side=640))
    except HaechiError as exc:
        raise HTTPException(404, str(exc)) from None


def _download(error: DownloadError) -> HTTPException:
    """A refused download as HTTP: destroyed evidence is 410, anything else missing 404."""
    return HTTPException(410 if error.gone else 404, str(error))


def warc_response(request: Request, db: DbSession, hit_id: int, actor: Actor) -> Response:
    """The hit's first sealed capture as a WARC download (the page's link and the API)."""
    config = evidence_config(request.app.state.settings)
    try:
        data = downloads.hit_warc(db, config, hit_id, actor)
    except DownloadError as exc:
        raise _download(exc) from None
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="hit-{hit_id}.warc.gz"'}
    return Response(data, media_type="application/warc", headers=headers)


def wacz_response(request: Request, hit_id: int, actor: Actor) -> Response:
    """A signed WACZ bundle of the hit's captures as a download (the page's link and the API)."""
    settings = request.app.state.settings
    try:
        data = downloads.hit_wacz(
            request.app.state.db, evidence_config(settings), settings.home, hit_id, actor
        )
    except HaechiError as exc:
        raise HTTPException(409, str(exc)) from None
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="hit-{hit_id}.wacz"'}
    return Response(data, media_type="application/wacz", headers=headers)


@router.get("/hits/{hit_id}/capture.warc.gz")
def hit_warc(
    request: Request,
    db: DbSession,
    hit_id: HitId,
    actor: Annotated[Actor, require("evidence.download")],
) -> Response:
    """The hit's first sealed capture as WARC (logged as viewed, and audited)."""
    return warc_response(request, db, hit_id, actor)


@router.get("/hits/{hit_id}/evidence.wacz")
def hit_wacz(
    request: Request,
    hit_id: HitId,
    actor: Annotated[Actor, require("evidence.download")],
) -> Response:
    """A signed WACZ bundle of the hit's captures (the export ``haechi export`` makes)."""
    return wacz_response(request, hit_id, actor)


@router.get("/review/policy")
def policy_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("review.policy")]
) -> Response:
    return render(
        request, "review/policy.html", {"policy": get_policy(db), "max_distance": MAX_AUTO_DISTANCE}
    )


@router.post("/review/policy")
def policy_save(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("review.policy")],
    enabled: Annotated[str, Form(max_length=5)] = "",
    exact: Annotated[str, Form(max_length=5)] = "",
    max_pdq_distance: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    distance = int(max_pdq_distance) if max_pdq_distance.strip().isdigit() else None
    try:
        _, confirmed = set_policy(
            db, actor, enabled=bool(enabled), exact=bool(exact), max_pdq_distance=distance, now=now
        )
    except HaechiError as exc:
        context = {"policy": get_policy(db), "max_distance": MAX_AUTO_DISTANCE, "error": str(exc)}
        return render(request, "review/policy.html", context, 400)
    context = {"policy": get_policy(db), "max_distance": MAX_AUTO_DISTANCE, "confirmed": confirmed}
    return render(request, "review/policy.html", context)


@router.post("/settings/preview")
def preview_settings(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("settings.update")],
    blur: Annotated[int, Form(ge=0, le=1000)] = previews.DEFAULT_BLUR,
) -> Response:
    """Set one's own blur strength (the settings page's second form)."""
    try:
        previews.set_blur_strength(db, actor, blur, now)
    except HaechiError as exc:
        return render(request, "error.html", {"message": str(exc)}, 400)
    return RedirectResponse("/settings", status_code=303)
