"""``/intakes``: victims' own registrations, for the team: what waits for a reviewer, the
decision on it, and one-time intake links for a victim at the support centre."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from haechi.intake import review
from haechi.intake.errors import IntakeError
from haechi.members.model import Actor
from haechi.notices.errors import CaseError
from haechi.web.deps import Now, require
from haechi.web.routes.intake import config_of

router = APIRouter(tags=["intake"])


class PendingOut(BaseModel):
    id: int
    entry: int
    kind: str
    quality: int | None
    folded: int
    share: bool
    centre: bool
    registered_at: datetime


class DecisionIn(BaseModel):
    entries: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(max_length=1000)
    decision: Literal["approve", "refuse"]


class LinkIn(BaseModel):
    case: str | None = Field(None, max_length=40)


class LinkOut(BaseModel):
    url: str


@router.get("/intakes/pending")
def pending(
    request: Request, actor: Annotated[Actor, require("intake.review")]
) -> list[PendingOut]:
    """Entries victims registered that no reviewer has decided on, oldest first."""
    return [PendingOut.model_validate(p.as_json()) for p in review.pending(request.app.state.db)]


@router.post("/intakes/decisions")
def decide(
    request: Request,
    body: DecisionIn,
    now: Now,
    actor: Annotated[Actor, require("intake.review")],
) -> list[int]:
    """Approve (then shared with platforms if she allowed it) or refuse entries; audited."""
    try:
        return review.decide(
            request.app.state.db, actor, body.entries, body.decision == "approve", now=now
        )
    except IntakeError as exc:
        raise HTTPException(exc.status, str(exc)) from None


@router.post("/intakes/links", status_code=201)
def open_link(
    request: Request,
    body: LinkIn,
    now: Now,
    actor: Annotated[Actor, require("intake.links")],
) -> LinkOut:
    """A one-time intake link (shown once) for a victim at the centre, for a case if named."""
    try:
        token = review.open_link(
            request.app.state.db, actor, body.case or None, now=now, config=config_of(request)
        )
    except CaseError as exc:
        raise HTTPException(404, str(exc)) from None
    except IntakeError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return LinkOut(url=f"{request.base_url}intake/start/{token}")
