"""``/platform-api``: the team's side of the platform API (session-authenticated).

Admins see the keys (never their secrets); reviewers work the queue of false positives that
platforms reported; statistics say per platform what was looked up and done.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from haechi.members.model import Actor
from haechi.platform_api import feedback
from haechi.platform_api.keys import list_keys
from haechi.platform_api.provenance import review_items
from haechi.web.deps import DbSession, Now, require
from haechi.web.params import RowId

router = APIRouter(tags=["platform API (team)"])

FeedbackId = RowId


@router.get("/platform-api/keys")
def keys(
    db: DbSession, actor: Annotated[Actor, require("platform_api.keys.read")]
) -> list[dict[str, object]]:
    """Every platform's keys: limits, last use, revocation, flags; never a secret."""
    return [k.as_json() for k in list_keys(db)]


@router.get("/platform-api/feedback")
def review_queue(
    db: DbSession, actor: Annotated[Actor, require("platform_api.feedback.read")]
) -> list[dict[str, object]]:
    """False positives reported by platforms, waiting for a person, with the matched entry's
    provenance (bank, registration) and the reporting key's prefix."""
    return [item.as_json() for item in review_items(db)]


def _decide(
    request: Request, db: DbSession, actor: Actor, feedback_id: int, accept: bool, now: Now
) -> dict[str, object]:
    decided = feedback.decide(db, actor, feedback_id, accept, now)
    request.app.state.platform_api.holder.poke()
    return decided.as_json()


@router.post("/platform-api/feedback/{feedback_id}/accept")
def accept(
    request: Request,
    db: DbSession,
    feedback_id: FeedbackId,
    now: Now,
    actor: Annotated[Actor, require("platform_api.feedback.decide")],
) -> dict[str, object]:
    """Accept a false positive: the negative bank suppresses that match for every platform."""
    return _decide(request, db, actor, feedback_id, True, now)


@router.post("/platform-api/feedback/{feedback_id}/reject")
def reject(
    request: Request,
    db: DbSession,
    feedback_id: FeedbackId,
    now: Now,
    actor: Annotated[Actor, require("platform_api.feedback.decide")],
) -> dict[str, object]:
    """Reject a reported false positive: the match stands."""
    return _decide(request, db, actor, feedback_id, False, now)


@router.get("/platform-api/stats")
def stats(
    db: DbSession, actor: Annotated[Actor, require("platform_api.stats.read")]
) -> list[dict[str, object]]:
    """Per platform: lookups, matches, confirmations, false positives, confirmed removals."""
    return [s.as_json() for s in feedback.platform_stats(db)]
