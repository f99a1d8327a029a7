"""Every route against every role: each non-public route names an action, and refuses
anonymous callers (401) and roles its action is not for (403); allowed roles get through."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount
from tests.web.conftest import Server

from haechi.members.model import Role
from haechi.settings import Settings
from haechi.web import create_app
from haechi.web.permissions import ACTIONS, KEY_PATHS, PUBLIC_PATHS

PARAMS = {
    "session_id": "999999",
    "member_id": "999999",
    "token": "no-such-invite",
    "job_id": "999999",
    "ref": "no-such-case",
    "passkey_id": "999999",
    "hit_id": "999999",
    "entry_id": "999999",
    "bank": "no-such-bank",
    "watch_id": "999999",
    "notice_id": "999999",
    "report_id": "999999",
    "feedback_id": "999999",
    "key_id": "999999",
    "channel_id": "999999",
    "code": "AAAAA-AAAAA",  # a verification code (member credentials)
    "platform": "no-such-platform",
}


def route_action(route: APIRoute) -> str | None:
    """The action a route names through ``require``, searched through its dependencies."""
    pending = list(route.dependant.dependencies)
    while pending:
        dep = pending.pop()
        action = getattr(dep.call, "haechi_action", None)
        if action is not None:
            return str(action)
        pending.extend(dep.dependencies)
    return None


def key_scope(route: APIRoute) -> str | None:
    """The API-key scope a platform route names through ``require_key``."""
    for dep in route.dependant.dependencies:
        scope = getattr(dep.call, "haechi_key_scope", None)
        if scope is not None:
            return str(scope)
    return None


def test_every_key_route_names_a_scope(settings: Settings) -> None:
    app = create_app(settings)
    app.state.db.close()
    found = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path in KEY_PATHS:
            assert key_scope(route) is not None, context.path
            found.add(context.path)
    assert found == KEY_PATHS


def test_key_routes_refuse_sessions(server: Server) -> None:
    """A signed-in member without an API key is refused by every platform route (401)."""
    member = server.sign_in(server.add("m-keys", Role.ADMIN))
    for path in KEY_PATHS:
        method = "GET" if path in ("/api/v1/lookup", "/m/lookup") else "POST"
        assert member.send(method, path).status_code == 401, path
        assert server.client().request(method, path).status_code == 401, path


def endpoints(settings: Settings) -> Iterator[tuple[str, str, str | None]]:
    app = create_app(settings)
    try:
        # FastAPI keeps included routers nested; this walks them with their prefixes.
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if isinstance(route, Mount):
                assert route.path in PUBLIC_PATHS, route.path
                continue
            path = context.path
            assert path is not None
            if not isinstance(route, APIRoute):
                assert path in PUBLIC_PATHS, path  # the OpenAPI schema
                continue
            for method in sorted(context.methods or ()):
                yield method, path, route_action(route)
    finally:
        app.state.db.close()


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], path)


def test_every_route_is_public_or_names_a_known_action(settings: Settings) -> None:
    used = set()
    found = list(endpoints(settings))
    assert len(found) > 15
    for method, path, action in found:
        if path in PUBLIC_PATHS:
            assert action is None, (method, path)
            continue
        if path in KEY_PATHS:  # a platform's API key names the scope, never a session
            assert action is None, (method, path)
            continue
        assert action in ACTIONS, (method, path, action)
        used.add(action)
    assert used == set(ACTIONS), set(ACTIONS) - used


def test_openapi_lists_the_api_and_no_page(server: Server) -> None:
    schema = server.client().get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/v1/me", "/api/v1/sessions", "/api/v1/members", "/api/v1/audit"} <= paths
    assert all(p.startswith("/api/v1/") for p in paths)


@pytest.fixture
def signed_in(server: Server) -> dict[Role, Any]:
    """One signed-in client per role."""
    return {role: server.sign_in(server.add(f"m-{role.value}", role)) for role in Role}


def test_the_role_matrix(server: Server, settings: Settings, signed_in: dict[Role, Any]) -> None:
    anonymous = server.client()
    checked = 0
    for method, path, action in endpoints(settings):
        if action is None:
            continue
        url = fill(path)
        answer = anonymous.request(method, url)
        assert answer.status_code == 401, (method, path, "anonymous", answer.text)
        for role, client in signed_in.items():
            allowed = role in ACTIONS[action]
            if method != "GET" and allowed:
                continue  # a real change (sign-out, revoke); tested where it belongs
            answer = client.send(method, url)
            if allowed:
                assert answer.status_code not in (401, 403), (method, path, role, answer.text)
                assert answer.status_code < 500, (method, path, role, answer.text)
            else:
                assert answer.status_code == 403, (method, path, role, answer.text)
            checked += 1
    assert checked > 60


def test_every_action_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert [a for a in ACTIONS if f"`{a}`" not in docs] == []


DATABASE_WORDS = re.compile(r"\bDbSession\b|state\.db\b|\.session\(\)|\bdesk_for\(")


def test_no_route_on_the_event_loop_touches_the_database(settings: Settings) -> None:
    """Every ``async def`` route leaves the database alone (a CI run once deadlocked there).

    A route that uses the database is a plain ``def``, run in the thread pool: on the event
    loop, a write waiting for SQLite's lock stops the loop, and the request holding the lock
    can no longer commit.
    """
    import inspect

    from haechi.web.deps import get_db

    app = create_app(settings)
    app.state.db.close()
    offenders = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not inspect.iscoroutinefunction(route.endpoint):
            continue
        pending = list(route.dependant.dependencies)
        while pending:
            dep = pending.pop()
            if dep.call is get_db:
                offenders.append(context.path)
            pending.extend(dep.dependencies)
        if DATABASE_WORDS.search(inspect.getsource(route.endpoint)):
            offenders.append(context.path)
    assert offenders == []
