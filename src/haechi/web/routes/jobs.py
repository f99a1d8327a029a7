"""Jobs: the scheduler's runs and members' scans, their progress and results; asking for a
scan of a URL (analysts and admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from haechi.errors import HaechiError
from haechi.jobs import JobError, JobKind, JobState, service
from haechi.members.model import Actor
from haechi.review.listings import job_list
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render
from haechi.web.params import Order, PageNo, PerPage, RowId, SortKey

router = APIRouter()

JobId = RowId

StateFilter = Annotated[str | None, Query(max_length=20)]


def _page(
    request: Request,
    db: DbSession,
    state: str | None,
    kind: str | None,
    *,
    sort: str = "id",
    order: str = "desc",
    page: int = 1,
    per_page: int = 50,
    **extra: object,
) -> Response:
    try:
        listing = job_list(
            db,
            state=state or None,
            kind=kind or None,
            sort=sort,
            order=order,
            page=page,
            per_page=per_page,
        )
    except HaechiError as exc:
        return render(request, "error.html", {"message": str(exc)}, 400)
    jobs = listing.items
    context = {
        "jobs": jobs,
        "listing": listing,
        "query": {
            "state": state or "",
            "kind": kind or "",
            "sort": listing.sort,
            "order": listing.order,
        },
        "states": list(JobState),
        "kinds": list(JobKind),
        "state": state or "",
        "kind": kind or "",
        "target": "",
        "allow_hosts": "",
        "refresh": any(not j.finished for j in jobs),
        **extra,
    }
    return render(request, "jobs.html", context, 400 if extra.get("error") else 200)


@router.get("/jobs")
def jobs_page(
    request: Request,
    db: DbSession,
    actor: Annotated[Actor, require("jobs.read")],
    state: StateFilter = None,
    kind: StateFilter = None,
    sort: SortKey = "id",
    order: Order = "desc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> Response:
    return _page(
        request, db, state, kind, sort=sort, order=order or "desc", page=page, per_page=per_page
    )


@router.get("/jobs/{job_id}")
def job_page(
    request: Request, db: DbSession, job_id: JobId, actor: Annotated[Actor, require("jobs.read")]
) -> Response:
    try:
        job = service.get_job(db, job_id)
    except JobError:
        return render(request, "error.html", {"message": "Not found."}, 404)
    return render(request, "job.html", {"job": job})


@router.post("/jobs/scan")
def ask_for_scan(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("jobs.scan")],
    target: Annotated[str, Form(max_length=2100)],
    allow_hosts: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        job = service.request_scan(db, actor, target, allow_hosts, now=now)
    except JobError as exc:
        return _page(
            request, db, None, None, error=str(exc), target=target, allow_hosts=allow_hosts
        )
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
