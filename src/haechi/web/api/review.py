"""``/hits``, ``/dashboard``, ``/review/policy``, ``/me/preview``: reviewing as JSON (and a hit's
WARC and WACZ as files), over the same services as the pages (banks, watches and uploaded
scans are in :mod:`.register`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from haechi.errors import HaechiError
from haechi.members.model import Actor
from haechi.notices.model import Decision
from haechi.notices.review import decide_hits
from haechi.review import previews
from haechi.review.dashboard import dashboard
from haechi.review.hitpage import hit_view
from haechi.review.policy import get_policy, set_policy
from haechi.review.queue import queue_page
from haechi.scan.preserve import evidence_config
from haechi.web.deps import DbSession, Now, require
from haechi.web.routes.review import HitId, Query_, wacz_response, warc_response

router = APIRouter(tags=["review"])


def _bad(exc: HaechiError, status: int = 400) -> HTTPException:
    return HTTPException(status, str(exc))


class DecisionIn(BaseModel):
    decision: Literal["confirmed", "rejected"]
    reason: str = Field(default="", max_length=2000)


class BulkDecisionIn(DecisionIn):
    hits: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(min_length=1, max_length=1000)


class PolicyIn(BaseModel):
    enabled: bool
    exact: bool = True
    max_pdq_distance: int | None = Field(default=None, ge=0, le=31)


class BlurIn(BaseModel):
    blur: int = Field(ge=0, le=1000)


class RevealOut(BaseModel):
    url: str
    expires_at: datetime


@router.get("/dashboard")
def get_dashboard(
    db: DbSession, now: Now, actor: Annotated[Actor, require("dashboard.view")]
) -> dict[str, Any]:
    """The day's figures: hits awaiting review, overdue notices by platform, and the rest."""
    return dashboard(db, now).as_json()


@router.get("/hits")
def list_hits(
    db: DbSession, now: Now, query: Query_, actor: Annotated[Actor, require("hits.read")]
) -> dict[str, Any]:
    """A page of the review queue (``status``: pending, confirmed, rejected), filtered, sorted."""
    try:
        found = queue_page(db, query, now)
    except HaechiError as exc:
        raise _bad(exc) from None
    return {
        "hits": [i.as_json() for i in found.items],
        "page": found.query.page,
        "per_page": found.query.per_page,
        "has_next": found.has_next,
    }


@router.get("/hits/{hit_id}")
def get_hit(
    db: DbSession, hit_id: HitId, actor: Annotated[Actor, require("hits.read")]
) -> dict[str, object]:
    """One hit with its evidence, sightings, re-checks, notices and cases."""
    try:
        return hit_view(db, hit_id).as_json()
    except HaechiError as exc:
        raise _bad(exc, 404) from None


@router.post("/hits/review")
def review_hits(
    body: BulkDecisionIn, db: DbSession, now: Now, actor: Annotated[Actor, require("hits.review")]
) -> dict[str, Any]:
    """Confirm or reject many hits at once (audited)."""
    try:
        done = decide_hits(
            db, actor, body.hits, Decision(body.decision), actor.name, body.reason, now=now
        )
    except HaechiError as exc:
        raise _bad(exc) from None
    return {"decided": [r.hit_id for r in done], "decision": body.decision}


@router.post("/hits/{hit_id}/review")
def review_hit(
    hit_id: HitId,
    body: DecisionIn,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("hits.review")],
) -> dict[str, Any]:
    """Confirm or reject one hit (audited)."""
    try:
        decide_hits(db, actor, [hit_id], Decision(body.decision), actor.name, body.reason, now=now)
    except HaechiError as exc:
        raise _bad(exc, 404 if "no hit" in str(exc) else 400) from None
    return {"decided": [hit_id], "decision": body.decision}


@router.get("/hits/{hit_id}/capture.warc.gz", response_class=Response)
def download_warc(
    request: Request,
    db: DbSession,
    hit_id: HitId,
    actor: Annotated[Actor, require("evidence.download")],
) -> Response:
    """The hit's first sealed capture as WARC (logged as viewed on the capture; audited)."""
    return warc_response(request, db, hit_id, actor)


@router.get("/hits/{hit_id}/evidence.wacz", response_class=Response)
def download_wacz(
    request: Request, hit_id: HitId, actor: Annotated[Actor, require("evidence.download")]
) -> Response:
    """A signed WACZ bundle of the hit's captures, verifiable offline (audited)."""
    return wacz_response(request, hit_id, actor)


@router.post("/hits/{hit_id}/reveal")
def reveal_preview(
    request: Request,
    hit_id: HitId,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("media.view")],
) -> RevealOut:
    """Let me see this hit's preview clearly, once, for a minute (audited)."""
    config = evidence_config(request.app.state.settings)
    try:
        granted = previews.reveal(db, actor, config, hit_id, now)
    except HaechiError as exc:
        raise _bad(exc, 404) from None
    return RevealOut(url=granted.url, expires_at=granted.expires_at)


@router.get("/review/policy")
def read_policy(db: DbSession, actor: Annotated[Actor, require("review.policy")]) -> dict[str, Any]:
    """The auto-confirm policy."""
    return get_policy(db).as_json()


@router.put("/review/policy")
def write_policy(
    body: PolicyIn, db: DbSession, now: Now, actor: Annotated[Actor, require("review.policy")]
) -> dict[str, Any]:
    """Set the auto-confirm policy (audited); waiting hits it covers are confirmed now."""
    try:
        policy, confirmed = set_policy(
            db,
            actor,
            enabled=body.enabled,
            exact=body.exact,
            max_pdq_distance=body.max_pdq_distance,
            now=now,
        )
    except HaechiError as exc:
        raise _bad(exc) from None
    return {**policy.as_json(), "confirmed": confirmed}


@router.get("/me/preview")
def get_blur(db: DbSession, actor: Annotated[Actor, require("settings.read")]) -> dict[str, int]:
    """My previews' blur strength."""
    return {"blur": previews.blur_strength(db, actor.member_id)}


@router.put("/me/preview")
def set_blur(
    body: BlurIn, db: DbSession, now: Now, actor: Annotated[Actor, require("settings.update")]
) -> dict[str, int]:
    """Set my previews' blur strength."""
    try:
        return {"blur": previews.set_blur_strength(db, actor, body.blur, now)}
    except HaechiError as exc:
        raise _bad(exc) from None
