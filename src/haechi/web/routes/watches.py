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
from haechi.review.sources import watch_history
from haechi.scan.watching import add_watch, list_watches, remove_watch
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render
from haechi.web.params import RowId
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


def _watches(request: Request, status: int = 200, **extra: object) -> Response:
    context = {"watches": list_watches(request.app.state.db), "target": "", "every": "6h", **extra}
    return render(request, "review/watches.html", context, status)


@router.get("/watches")
def watches_page(request: Request, actor: Annotated[Actor, require("watches.read")]) -> Response:
    return _watches(request)


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
) -> Response:
    watch = next((w for w in list_watches(request.app.state.db) if w.id == watch_id), None)
    if watch is None:
        return render(request, "error.html", {"message": "Not found."}, 404)
    context = {"watch": watch, "history": watch_history(db, watch)}
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
