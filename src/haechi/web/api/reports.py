"""``/reports``: police reports with their waiting clock, making a package, downloading it
(audited), recording its handover and the station's answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from haechi.casework import police_desk
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.web.api.cases import refused
from haechi.web.casework import desk_for
from haechi.web.deps import DbSession, Now, require
from haechi.web.params import Order, PageNo, PerPage, RowId, SortKey
from haechi.web.routes.reports import zip_response

router = APIRouter(tags=["reports"])

ReportId = RowId


class ReportIn(BaseModel):
    case: str = Field(max_length=40)
    station: str = Field(max_length=200)


class AnswerIn(BaseModel):
    answer: str = Field(max_length=2000, description="What the station answered (case number…).")


@router.get("/reports")
def list_reports(
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("reports.read")],
    waiting: bool = False,
    sort: SortKey = "waiting",
    order: Order = "desc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """Police reports (only those without an answer with ``waiting``), each with the days
    since it was handed over; sorted (id, case, station, made, waiting) and paginated."""
    try:
        found = police_desk.list_reports(
            db, now, waiting_only=waiting, sort=sort, order=order or "desc", page=page,
            per_page=per_page,
        )  # fmt: skip
    except HaechiError as exc:
        raise refused(exc) from None
    return {**found.meta(), "items": [r.as_json() for r in found.items]}


@router.post("/reports", status_code=201)
def make_report(
    request: Request, body: ReportIn, actor: Annotated[Actor, require("reports.make")]
) -> dict[str, Any]:
    """Make a case's package on the server: report.pdf, evidence.wacz, hits.json, SHA256SUMS."""
    try:
        package = police_desk.make_package(
            desk_for(request, actor), request.app.state.settings.home, body.case, body.station
        )
    except HaechiError as exc:
        raise refused(exc) from None
    return {**package.report.as_json(), "files": package.files}


@router.get("/reports/{report_id}")
def get_report(
    db: DbSession, now: Now, report_id: ReportId, actor: Annotated[Actor, require("reports.read")]
) -> dict[str, Any]:
    """One report with its handover, answer and waiting clock."""
    try:
        return police_desk.one(db, now, report_id).as_json()
    except HaechiError as exc:
        raise refused(exc) from None


@router.get("/reports/{report_id}/package", response_class=Response)
def download(
    db: DbSession,
    now: Now,
    report_id: ReportId,
    actor: Annotated[Actor, require("reports.download")],
) -> Response:
    """The package as one zip (audited: it carries the evidence)."""
    try:
        return zip_response(police_desk.package_zip(db, actor, report_id, now=now), report_id)
    except HaechiError as exc:
        raise refused(exc) from None


@router.post("/reports/{report_id}/sent")
def mark_sent(
    db: DbSession, now: Now, report_id: ReportId, actor: Annotated[Actor, require("reports.make")]
) -> dict[str, Any]:
    """The package reached its station: the waiting clock counts from now."""
    try:
        return police_desk.mark_sent(db, actor, report_id, now=now).as_json()
    except HaechiError as exc:
        raise refused(exc) from None


@router.post("/reports/{report_id}/answer")
def record_answer(
    request: Request,
    report_id: ReportId,
    body: AnswerIn,
    actor: Annotated[Actor, require("reports.make")],
) -> dict[str, Any]:
    """Record the station's answer; its reminders stop."""
    try:
        return police_desk.record_answer(desk_for(request, actor), report_id, body.answer).as_json()
    except HaechiError as exc:
        raise refused(exc) from None
