"""Police reports: the list with each report's waiting clock, making a case's package on
the server, downloading it as one zip (audited), recording its handover and the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from haechi.casework import police_desk
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.web.casework import acted, desk_for, refused_page
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render
from haechi.web.params import Order, PageNo, PerPage, RowId, SortKey

router = APIRouter()

ReportId = RowId


def zip_response(data: bytes, report_id: int) -> Response:
    """The package zip as a download, never cached."""
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="police-report-{report_id}.zip"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/reports")
def reports_page(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("reports.read")],
    waiting: bool = False,
    sort: SortKey = "waiting",
    order: Order = "desc",
    page: PageNo = 1,
    per_page: PerPage = 50,
    case: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    try:
        listing = police_desk.list_reports(
            db, now, waiting_only=waiting, sort=sort, order=order or "desc", page=page,
            per_page=per_page,
        )  # fmt: skip
    except HaechiError as exc:
        return refused_page(request, exc)
    query = {
        "waiting": "true" if waiting else "",
        "sort": listing.sort,
        "order": listing.order,
    }
    context = {"listing": listing, "query": query, "waiting": waiting, "case": case}
    return render(request, "reports.html", context)


@router.post("/reports")
def make_report(
    request: Request,
    actor: Annotated[Actor, require("reports.make")],
    case: Annotated[str, Form(max_length=40)],
    station: Annotated[str, Form(max_length=200)],
) -> Response:
    try:
        package = police_desk.make_package(
            desk_for(request, actor), request.app.state.settings.home, case, station
        )
    except HaechiError as exc:
        return refused_page(request, exc)
    return RedirectResponse(f"/reports/{package.report.id}", status_code=303)


@router.get("/reports/{report_id}")
def report_page(
    request: Request,
    db: DbSession,
    now: Now,
    report_id: ReportId,
    actor: Annotated[Actor, require("reports.read")],
) -> Response:
    try:
        line = police_desk.one(db, now, report_id)
    except HaechiError as exc:
        return refused_page(request, exc)
    return render(request, "report.html", {"line": line, "report": line.report})


@router.get("/reports/{report_id}/package.zip")
def download(
    request: Request,
    db: DbSession,
    now: Now,
    report_id: ReportId,
    actor: Annotated[Actor, require("reports.download")],
) -> Response:
    try:
        return zip_response(police_desk.package_zip(db, actor, report_id, now=now), report_id)
    except HaechiError as exc:
        return refused_page(request, exc)


@router.post("/reports/{report_id}/sent")
def mark_sent(
    request: Request,
    db: DbSession,
    now: Now,
    report_id: ReportId,
    actor: Annotated[Actor, require("reports.make")],
) -> Response:
    return acted(
        request, lambda: police_desk.mark_sent(db, actor, report_id, now=now),
        f"/reports/{report_id}",
    )  # fmt: skip


@router.post("/reports/{report_id}/answer")
def record_answer(
    request: Request,
    report_id: ReportId,
    actor: Annotated[Actor, require("reports.make")],
    answer: Annotated[str, Form(max_length=2000)],
) -> Response:
    desk = desk_for(request, actor)
    return acted(
        request, lambda: police_desk.record_answer(desk, report_id, answer),
        f"/reports/{report_id}",
    )  # fmt: skip
