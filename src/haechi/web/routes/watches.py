"""Scans and watches: scan pasted URLs or an uploaded list or chat export; schedule a watch;
see each watch's history and last error.

A scan of one URL is asked for on ``/jobs`` (its form is shown here too); these routes add
what a URL cannot carry. Watches are added and removed with the same functions as ``haechi
watch``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from haechi.errors import HaechiError
from haechi.jobs.service import check_target
from haechi.members.model import Actor
from haechi.review.listings import find_watch, watch_history, watch_list
from haechi.scan.watching import add_watch, remove_watch
from haechi.web.casework import refused_page
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render
from haechi.web.params import Order, PageNo, PerPage, RowId, SortKey
from haechi.web.upload_forms import scan_from_form
from haechi.web.uploads import OneFile, UploadCap

router = APIRouter()

WatchId = RowId


def _scans(request: Request, status: int = 200, **extra: object) -> Response:
    context = {"urls": "", "allow_hosts": "", "target": "", **extra}
    return render(request, "review/scans.html", context, status)


@router.get("/scans")
def scans_page(request: Request, actor: Annotated[Actor, require("jobs.scan")]) -> Response:
    return _scans(request)


@router.post("/scans/upload")
def scan_upload(
    request: Request,
    db: DbSession,
    now: Now,
    _cap: UploadCap,
    actor: Annotated[Actor, require("jobs.scan")],
    form: OneFile,
) -> Response:
    try:
        job = scan_from_form(request, db, actor, form, now)
    except HaechiError as exc:
        return _scans(
            request, 400, error=str(exc), urls=form.get("urls"), allow_hosts=form.get("allow_hosts")
        )
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _watches(
    request: Request,
    status: int = 200,
    *,
    sort: str = "id",
    order: str = "asc",
    page: int = 1,
    per_page: int = 50,
    **extra: object,
) -> Response:
    try:
        listing = watch_list(
            request.app.state.db, sort=sort, order=order, page=page, per_page=per_page
        )
    except HaechiError as exc:
        return refused_page(request, exc)
    context = {
        "listing": listing,
        "watches": listing.items,
        "query": {"sort": listing.sort, "order": listing.order},
        "target": "",
        "every": "6h",
        **extra,
    }
    return render(request, "review/watches.html", context, status)


@router.get("/watches")
def watches_page(
    request: Request,
    actor: Annotated[Actor, require("watches.read")],
    sort: SortKey = "id",
    order: Order = "asc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> Response:
    return _watches(request, sort=sort, order=order or "asc", page=page, per_page=per_page)


@router.post("/watches")
def watch_add(
    request: Request,
    now: Now,
    actor: Annotated[Actor, require("watches.manage")],
    target: Annotated[str, Form(max_length=2100)],
    every: Annotated[str, Form(max_length=20)] = "6h",
) -> Response:
    try:
        add_watch(request.app.state.db, check_target(target), "web", every, now)
    except HaechiError as exc:
        return _watches(request, 400, error=str(exc), target=target, every=every)
    return RedirectResponse("/watches", status_code=303)


@router.get("/watches/{watch_id}")
def watch_page(
    request: Request,
    db: DbSession,
    watch_id: WatchId,
    actor: Annotated[Actor, require("watches.read")],
    sort: SortKey = "scan",
    order: Order = "desc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> Response:
    watch = find_watch(request.app.state.db, watch_id)
    if watch is None:
        return render(request, "error.html", {"message": "Not found."}, 404)
    try:
        history = watch_history(
            db, watch, sort=sort, order=order or "desc", page=page, per_page=per_page
        )
    except HaechiError as exc:
        return refused_page(request, exc)
    context = {
        "watch": watch,
        "history": history.items,
        "listing": history,
        "query": {"sort": history.sort, "order": history.order},
    }
    return render(request, "review/watch.html", context)


@router.post("/watches/{watch_id}/remove")
def watch_remove(
    request: Request, watch_id: WatchId, actor: Annotated[Actor, require("watches.manage")]
) -> Response:
    try:
        remove_watch(request.app.state.db, watch_id)
    except HaechiError as exc:
        return render(request, "error.html", {"message": str(exc)}, 404)
    return RedirectResponse("/watches", status_code=303)
