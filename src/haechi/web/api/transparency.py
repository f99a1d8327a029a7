"""The public transparency reports as JSON (``/api/v1/transparency``), for journalists' and
researchers' scripts: the twin of the public ``/transparency`` pages, with no sign-in and only
the reports an admin published. A report's figures are its signed ``report.json``, byte for
byte, so a reader can check them against ``manifest.json``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from haechi.transparency.errors import TransparencyError
from haechi.transparency.service import published_file, published_reports
from haechi.web.deps import DbSession
from haechi.web.routes.transparency import PeriodName

router = APIRouter(tags=["transparency"])


@router.get("/transparency")
def published_index(db: DbSession) -> dict[str, Any]:
    """The published reports, newest period first: period, when published, the signed
    manifest's code, each file's SHA-256, and where the figures and files are."""
    return {"reports": [stored.public_json() for stored in published_reports(db)]}


@router.get("/transparency/{period}")
def published_figures(db: DbSession, period: PeriodName) -> Response:
    """The published report of ``period``: its ``report.json`` as signed."""
    try:
        content, media_type = published_file(db, period, "report.json")
    except TransparencyError:
        raise HTTPException(404, "no published report for this period") from None
    return Response(content, media_type=media_type)
