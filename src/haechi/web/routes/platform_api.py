"""Team pages of the platform API: keys (admins), reported false positives, and statistics.

The same services as ``/api/v1/platform-api/*`` and ``haechi api-keys``: a new key's secret is
shown once, on the page that made it, and never again; revoking tells every worker of the
machine to read keys again; an accepted false positive wakes this worker's index refresh.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from haechi.members.model import Actor
from haechi.platform_api import feedback
from haechi.platform_api.errors import PlatformApiError
from haechi.platform_api.keys import (
    DEFAULT_EXPECTED,
    DEFAULT_QUOTA,
    DEFAULT_RATE,
    SCOPES,
    create_key,
    list_keys,
    revoke_key,
)
from haechi.platform_api.provenance import review_items
from haechi.platform_api.runtime import keys_changed
from haechi.web.deps import DbSession, Now, require
from haechi.web.pages import render
from haechi.web.params import RowId

router = APIRouter()

ItemId = RowId
Limit = Annotated[int, Form(ge=1, le=10**9)]


def _keys(request: Request, db: Session, status: int = 200, **extra: Any) -> Response:
    context = {
        "keys": list_keys(db),
        "scopes": SCOPES,
        "defaults": {"rate": DEFAULT_RATE, "quota": DEFAULT_QUOTA, "expected": DEFAULT_EXPECTED},
        "new_key": None,
        "platform": "",
        **extra,
    }
    answer = render(request, "platform_api/keys.html", context, status)
    answer.headers["Cache-Control"] = "no-store"  # a new key's secret may be on it
    return answer


@router.get("/platform-api/keys")
def keys_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("platform_api.keys.read")]
) -> Response:
    return _keys(request, db)


@router.post("/platform-api/keys")
def key_create(
    request: Request,
    db: DbSession,
    now: Now,
    actor: Annotated[Actor, require("platform_api.keys.manage")],
    platform: Annotated[str, Form(max_length=100)],
    scope: Annotated[list[str] | None, Form(max_length=len(SCOPES))] = None,
    rate: Limit = DEFAULT_RATE,
    quota: Limit = DEFAULT_QUOTA,
    expected: Limit = DEFAULT_EXPECTED,
) -> Response:
    try:
        made = create_key(
            db,
            actor,
            platform,
            scopes=tuple(scope or ()),
            rate_per_second=rate,
            daily_quota=quota,
            expected_daily=expected,
            now=now,
        )
    except PlatformApiError as exc:
        return _keys(request, db, 400, error=str(exc), platform=platform)
    return _keys(request, db, 201, new_key=made)


@router.post("/platform-api/keys/{key_id}/revoke")
def key_revoke(
    request: Request,
    db: DbSession,
    now: Now,
    key_id: ItemId,
    actor: Annotated[Actor, require("platform_api.keys.manage")],
) -> Response:
    try:
        revoke_key(db, actor, key_id, now)
    except PlatformApiError as exc:
        return _keys(request, db, 400, error=str(exc))
    db.commit()  # before the workers are told to read keys again
    keys_changed(request.app.state.settings)
    return RedirectResponse("/platform-api/keys", status_code=303)


def _queue(request: Request, db: Session, status: int = 200, **extra: Any) -> Response:
    context = {
        "pending": review_items(db),
        "decided": review_items(db, pending=False),
        **extra,
    }
    return render(request, "platform_api/feedback.html", context, status)


@router.get("/platform-api/feedback")
def queue_page(
    request: Request,
    db: DbSession,
    actor: Annotated[Actor, require("platform_api.feedback.read")],
) -> Response:
    return _queue(request, db)


def _decide(request: Request, db: Session, actor: Actor, item: int, accept: bool) -> Response:
    try:
        feedback.decide(db, actor, item, accept, request.app.state.clock())
    except PlatformApiError as exc:
        return _queue(request, db, 400, error=str(exc))
    db.commit()  # the index refresh reads the negative bank from the database
    request.app.state.platform_api.holder.poke()
    return RedirectResponse("/platform-api/feedback", status_code=303)


@router.post("/platform-api/feedback/{feedback_id}/accept")
def queue_accept(
    request: Request,
    db: DbSession,
    feedback_id: ItemId,
    actor: Annotated[Actor, require("platform_api.feedback.decide")],
) -> Response:
    return _decide(request, db, actor, feedback_id, True)


@router.post("/platform-api/feedback/{feedback_id}/reject")
def queue_reject(
    request: Request,
    db: DbSession,
    feedback_id: ItemId,
    actor: Annotated[Actor, require("platform_api.feedback.decide")],
) -> Response:
    return _decide(request, db, actor, feedback_id, False)


@router.get("/platform-api/stats")
def stats_page(
    request: Request, db: DbSession, actor: Annotated[Actor, require("platform_api.stats.read")]
) -> Response:
    return render(request, "platform_api/stats.html", {"stats": feedback.platform_stats(db)})
