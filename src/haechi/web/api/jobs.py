"""``/jobs``: scheduled runs and scans with their progress and results; asking for a scan."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

from haechi.casework.paging import MAX_PER_PAGE
from haechi.errors import HaechiError
from haechi.jobs import JobError, service
from haechi.members.model import Actor
from haechi.review.listings import job_list
from haechi.web.deps import DbSession, Now, require
from haechi.web.params import Order, PageNo, RowId, SortKey

router = APIRouter(tags=["jobs"])

JobId = RowId


class ProgressOut(BaseModel):
    done: int
    total: int | None
    text: str


class JobOut(BaseModel):
    id: int
    kind: str
    args: dict[str, Any]
    state: str  # queued, running, done, failed
    progress: ProgressOut
    result: dict[str, Any] | None
    error: str | None
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ScanRequest(BaseModel):
    target: str = Field(max_length=2100, description="An http:// or https:// URL.")
    allow_hosts: list[Annotated[str, Field(max_length=255)]] = Field(
        default_factory=list, max_length=20, description="Private hosts it may fetch too."
    )


@router.get("/jobs")
def list_jobs(
    db: DbSession,
    response: Response,
    actor: Annotated[Actor, require("jobs.read")],
    state: Annotated[str | None, Query(max_length=20)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Jobs per page (500 at most).")] = 200,
    sort: SortKey = "id",
    order: Order = "desc",
    page: PageNo = 1,
) -> list[JobOut]:
    """Jobs, newest first, filtered by state (queued, running, done, failed) and kind; sorted
    (id, kind, state, created, finished) and paginated, ``limit`` a page
    (``X-Total-Count`` and ``X-Page`` say where the page sits)."""
    try:
        found = job_list(
            db,
            state=state,
            kind=kind,
            sort=sort,
            order=order or "desc",
            page=page,
            per_page=min(limit, MAX_PER_PAGE),
        )
    except HaechiError as exc:
        raise HTTPException(400, str(exc)) from None
    response.headers["X-Total-Count"] = str(found.total)
    response.headers["X-Page"] = f"{found.page}/{found.pages}"
    return [JobOut.model_validate(j.as_json()) for j in found.items]


@router.get("/jobs/{job_id}")
def get_job(db: DbSession, job_id: JobId, actor: Annotated[Actor, require("jobs.read")]) -> JobOut:
    """One job, with its progress and, once ended, its result or error."""
    try:
        return JobOut.model_validate(service.get_job(db, job_id).as_json())
    except JobError as exc:
        raise HTTPException(404, str(exc)) from None


@router.post("/jobs/scans", status_code=201)
def ask_for_scan(
    body: ScanRequest, db: DbSession, now: Now, actor: Annotated[Actor, require("jobs.scan")]
) -> JobOut:
    """Queue a scan of a URL (with private hosts it may also fetch); a worker runs it."""
    try:
        job = service.request_scan(db, actor, body.target, body.allow_hosts, now=now)
    except JobError as exc:
        raise HTTPException(422, str(exc)) from None
    return JobOut.model_validate(job.as_json())
