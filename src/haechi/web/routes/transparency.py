"""The public transparency report on the server: ``/transparency`` (no sign-in) lists the
reports an admin published, ``/transparency/{period}`` shows one in the reader's language
with its signed files to download; ``/transparency-reports`` is the team's page to make a
report (analysts) and to publish or withdraw one (admins). Every action goes through
:mod:`haechi.transparency.service`, as ``haechi report public`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.transparency.errors import TransparencyError
from haechi.transparency.render import body
from haechi.transparency.service import (
    all_reports,
    make_report,
    publish_report,
    published_file,
    published_report,
    published_reports,
    withdraw_report,
)
from haechi.web.casework import status_of
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render
from haechi.web.params import RowId
from haechi.web.routes.wellknown import trust_config

router = APIRouter()

PeriodName = Annotated[str, Path(min_length=4, max_length=10, pattern=r"^[0-9]{4}(-[0-9Qq]{2})?$")]
FileName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9.-]+$")]
MANAGE = "/transparency-reports"


@router.get("/transparency")
def public_index(request: Request, db: DbSession) -> Response:
    return render(request, "transparency/index.html", {"reports": published_reports(db)})


@router.get("/transparency/{period}")
def public_report(request: Request, db: DbSession, period: PeriodName) -> Response:
    try:
        stored = published_report(db, period)
    except TransparencyError:
        raise HTTPException(404, "no published report for this period") from None
    locale = getattr(request.state, "locale", "ko")
    context = {"stored": stored, "report_body": body(stored.report, locale)}
    return render(request, "transparency/page.html", context)


@router.get("/transparency/{period}/{name}")
def public_file(db: DbSession, period: PeriodName, name: FileName) -> Response:
    try:
        content, media_type = published_file(db, period, name)
    except TransparencyError:
        raise HTTPException(404, "no such file") from None
    # Downloaded, never rendered on this origin: the files are for readers' own copies.
    disposition = f'attachment; filename="{period.upper()}-{name}"'
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def _manage(request: Request, db: Session, status: int = 200, **extra: Any) -> Response:
    context = {"reports": all_reports(db), **extra}
    return render(request, "transparency/manage.html", context, status)


@router.get(MANAGE)
def manage_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("transparency.read")]
) -> Response:
    return _manage(request, db)


@router.post(MANAGE)
def make(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("transparency.make")],
    period: Annotated[str, Form(max_length=10)],
    threshold: Annotated[int, Form(ge=1, le=1000)] = 5,
) -> Response:
    try:
        make_report(db, trust_config(request), actor, period, now, threshold=threshold)
    except HaechiError as exc:
        return _manage(request, db, status_of(exc), error=str(exc))
    return RedirectResponse(MANAGE, status_code=303)


def _switch(request: Request, db: Session, change: Callable[[], object]) -> Response:
    """Publish or withdraw, then back to the list; an unknown report 404, a refusal 409."""
    try:
        change()
    except HaechiError as exc:
        return _manage(request, db, 404 if "no transparency" in str(exc) else 409, error=str(exc))
    return RedirectResponse(MANAGE, status_code=303)


@router.post(MANAGE + "/{report_id}/publish")
def publish(
    request: Request,
    db: DbSession,
    now: Now,
    report_id: RowId,
    actor: Annotated[Actor, require("transparency.publish")],
) -> Response:
    return _switch(request, db, lambda: publish_report(db, actor, report_id, now))


@router.post(MANAGE + "/{report_id}/withdraw")
def withdraw(
    request: Request,
    db: DbSession,
    now: Now,
    report_id: RowId,
    actor: Annotated[Actor, require("transparency.publish")],
) -> Response:
    return _switch(request, db, lambda: withdraw_report(db, actor, report_id, now))
