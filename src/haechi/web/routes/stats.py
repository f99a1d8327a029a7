"""Statistics: per platform, hours from the first notice to removal (median, 90th
percentile), items never removed, re-uploads after removal; charts drawn as SVG in the page,
and the same figures as CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from haechi.casework.stats_export import stats_csv
from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.notices.stats import platform_stats
from haechi.review.listings import stats_table
from haechi.web.casework import desk_for, refused_page
from haechi.web.charts import hours_chart, share_chart
from haechi.web.deps import require
from haechi.web.i18n import translator
from haechi.web.pages import render
from haechi.web.params import Order, PageNo, PerPage, SortKey

router = APIRouter()


def csv_response(text: str) -> Response:
    """CSV as a download (UTF-8 with a BOM, so spreadsheets read Hangul right)."""
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="notice-stats.csv"'},
    )


@router.get("/stats")
def stats_page(
    request: Request,
    actor: Annotated[Actor, require("stats.read")],
    sort: SortKey = "platform",
    order: Order = "asc",
    page: PageNo = 1,
    per_page: PerPage = 50,
) -> Response:
    figures = platform_stats(desk_for(request, actor))
    try:
        table = stats_table(figures, sort=sort, order=order or "asc", page=page, per_page=per_page)
    except HaechiError as exc:
        return refused_page(request, exc)
    _ = translator(getattr(request.state, "locale", "ko"))
    context = {
        "figures": table.items,
        "listing": table,
        "query": {"sort": table.sort, "order": table.order},
        "hours_svg": hours_chart(figures, _),
        "share_svg": share_chart(figures, _),
    }
    return render(request, "stats.html", context)


@router.get("/stats.csv")
def stats_download(request: Request, actor: Annotated[Actor, require("stats.read")]) -> Response:
    return csv_response(stats_csv(platform_stats(desk_for(request, actor))))
