"""The home page: who you are, in which role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from haechi.members.model import Actor
from haechi.members.service import get_member
from haechi.web.deps import DbSession, require
from haechi.web.pages import render

router = APIRouter()


@router.get("/")
def home(
    request: Request, db: DbSession, actor: Annotated[Actor, require("home.view")]
) -> Response:
    assert actor.member_id is not None
    return render(request, "home.html", {"member": get_member(db, actor.member_id)})
