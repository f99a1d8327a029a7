"""``/stats``: per platform removal times, never removed, re-uploads; JSON and CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from haechi.casework.stats_export import stats_csv
from haechi.members.model import Actor
from haechi.notices.stats import platform_stats
from haechi.web.casework import desk_for
from haechi.web.deps import require
from haechi.web.routes.stats import csv_response

router = APIRouter(tags=["stats"])


@router.get("/stats")
def stats(request: Request, actor: Annotated[Actor, require("stats.read")]) -> list[dict[str, Any]]:
    """Per host platform: notices sent, items reported and removed, median and 90th
    percentile hours to removal, share never removed, re-uploads after removal."""
    return [s.as_json() for s in platform_stats(desk_for(request, actor))]


@router.get("/stats.csv", response_class=Response)
def stats_download(request: Request, actor: Annotated[Actor, require("stats.read")]) -> Response:
    """The same figures as CSV."""
    return csv_response(stats_csv(platform_stats(desk_for(request, actor))))
