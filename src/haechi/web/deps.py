"""What routes depend on: one database transaction per request, the member, her permission.

:func:`require` is how a route names its action; it answers 401 to someone not signed in,
403 to a role the action is not for, and for a state-changing request checks the CSRF token
(the synchronizer token kept in the session row, sent as the ``csrf_token`` form field or the
``X-CSRF-Token`` header).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from haechi.members.model import Actor
from haechi.members.sessions import FULL, SessionInfo
from haechi.store.database import Database
from haechi.web.permissions import ACTIONS, allowed

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def get_db(request: Request) -> Iterator[Session]:
    """A session whose transaction commits when the route returns and rolls back if it raises."""
    db: Database = request.app.state.db
    with db.session() as session:
        yield session


# Committed when the route returns, before the answer leaves: a client told "done" finds it done.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def get_now(request: Request) -> datetime:
    """The app's clock (a test's clock in tests)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


Now = Annotated[datetime, Depends(get_now)]


def address(request: Request) -> str:
    """The client's address (the proxy's view of it when uvicorn trusts the proxy)."""
    return request.client.host if request.client else ""


def current_member(request: Request) -> SessionInfo:
    """The signed-in member's session; 401 when there is none."""
    info: SessionInfo | None = getattr(request.state, "web_session", None)
    if info is None or info.stage != FULL:
        raise HTTPException(401, "sign in first")
    return info


CurrentMember = Annotated[SessionInfo, Depends(current_member)]


async def check_csrf(request: Request, expected: str) -> None:
    """Refuse (403) a state-changing request whose CSRF token is not the session's."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "missing or wrong CSRF token")


async def read_fields(request: Request) -> FormData:
    """The request's form, parsed on the event loop, so that the route itself can be a ``def``.

    A route that touches the database must be a plain ``def``: FastAPI runs it in its thread
    pool. On the event loop a write that waits for SQLite's lock would stop the loop, and with
    it the request holding the lock, whose commit runs there too: a deadlock until the busy
    timeout says "database is locked".
    """
    return await request.form()


FormFields = Annotated[FormData, Depends(read_fields)]


def require(action: str) -> Any:
    """The dependency of a route that does ``action``: gives the acting :class:`Actor`."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}: add it to haechi.web.permissions.ACTIONS")

    async def dependency(request: Request, member: CurrentMember) -> Actor:
        if not allowed(action, member.role):
            raise HTTPException(403, f"your role may not {action}")
        if request.method not in SAFE_METHODS:
            await check_csrf(request, member.csrf_token)
        return Actor(member.member_id, member.member_name, member.role, address(request), member.id)

    dependency.haechi_action = action  # type: ignore[attr-defined]
    return Depends(dependency)
