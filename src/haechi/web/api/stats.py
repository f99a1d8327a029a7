"""``/stats``: per platform removal times, never removed, re-uploads; JSON and CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, Response

from haechi.casework.stats_export import stats_csv
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.notices.stats import platform_stats
from haechi.review.listings import stats_table
from haechi.web.casework import desk_for
from haechi.web.deps import require
from haechi.web.params import Order, PageNo, PerPage, SortKey
from haechi.web.routes.stats import csv_response

router = APIRouter(tags=["stats"])


@router.get("/stats")
def stats(
    request: Request,
    response: Response,
    actor: Annotated[Actor, require("stats.read")],
    sort: SortKey = "platform",
    order: Order = "asc",
    page: PageNo = 1,
    per_page: PerPage = 500,
) -> list[dict[str, Any]]:
    """Per host platform: notices sent, items reported and removed, median and 90th
    percentile hours to removal, share never removed, re-uploads after removal; sorted
    (platform, sent, reported, removed, median, p90, never, reuploads) and paginated
    (``X-Total-Count``)."""
    try:
        table = stats_table(
            platform_stats(desk_for(request, actor)),
            sort=sort,
            order=order or "asc",
            page=page,
            per_page=per_page,
        )
    except HaechiError as exc:
        raise HTTPException(400, str(exc)) from None
    response.headers["X-Total-Count"] = str(table.total)
    response.headers["X-Page"] = f"{table.page}/{table.pages}"
    return [s.as_json() for s in table.items]


@router.get("/stats.csv", response_class=Response)
def stats_download(request: Request, actor: Annotated[Actor, require("stats.read")]) -> Response:
    """The same figures as CSV."""
    return csv_response(stats_csv(platform_stats(desk_for(request, actor))))
