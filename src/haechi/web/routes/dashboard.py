"""The dashboard: what waits for the team today, each figure a link to its list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from haechi.members.model import Actor
from haechi.review.dashboard import dashboard
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render

router = APIRouter()


@router.get("/dashboard")
def dashboard_page(
    request: Request, db: DbSession, now: Now, actor: Annotated[Actor, require("dashboard.view")]
) -> Response:
    return render(request, "review/dashboard.html", {"board": dashboard(db, now)})
