"""Signing in over HTTP: rotation, expiry, lock-out, codes used once, suspension, CSRF."""

from __future__ import annotations

from datetime import timedelta

from tests.web.conftest import CSRF_INPUT, Server

from haechi.members.model import Role
from haechi.members.sessions import ABSOLUTE, IDLE
from haechi.members.signin import ACCOUNT_LIMIT, ADDRESS_LIMIT, THROTTLED


def test_sign_in_rotates_the_session_token(server: Server) -> None:
    ana = server.add("ana")
    client = server.client()
    client.post("/signin", data={"name": "ana", "password": ana.password})
    first = client.cookies["haechi_session"]
    csrf = CSRF_INPUT.search(client.get("/signin/code").text)
    assert csrf
    answer = client.post(
        "/signin/code", data={"code": ana.code(server.clock()), "csrf_token": csrf.group(1)}
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    second = client.cookies["haechi_session"]
    assert second != first
    assert client.get("/api/v1/me").json()["member"]["name"] == "ana"
    stale = server.client()
    stale.cookies.set("haechi_session", first)
    assert stale.get("/api/v1/me").status_code == 401


def test_the_code_step_needs_the_password_step_and_its_csrf_token(server: Server) -> None:
    answer = server.client().post("/signin/code", data={"code": "123456"})
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    ana = server.add("ana")
    client = server.client()
    client.post("/signin", data={"name": "ana", "password": ana.password})
    answer = client.post("/signin/code", data={"code": ana.code(server.clock())})
    assert answer.status_code == 403


def test_sessions_expire_when_idle_and_after_twelve_hours(server: Server) -> None:
    ana = server.add("ana")
    idle = server.sign_in(ana)
    server.clock.advance(IDLE)
    answer = idle.get("/api/v1/me")
    assert answer.status_code == 401
    assert 'haechi_session=""' in answer.headers.get("set-cookie", "")

    busy = server.sign_in(ana)
    started = server.clock() - timedelta(seconds=30)
    while server.clock() - started < ABSOLUTE - timedelta(minutes=29):
        server.clock.advance(timedelta(minutes=29))
        assert busy.get("/api/v1/me").status_code == 200
    server.clock.advance(timedelta(minutes=29))
    assert busy.get("/api/v1/me").status_code == 401


def test_an_account_locks_after_repeated_failures(server: Server) -> None:
    ana = server.add("ana")
    client = server.client(**{"Accept-Language": "en"})
    for _ in range(ACCOUNT_LIMIT):
        answer = client.post("/signin", data={"name": "ana", "password": "not her password"})
        assert answer.status_code == 401
    answer = client.post("/signin", data={"name": "ana", "password": ana.password})
    assert answer.status_code == 401 and THROTTLED in answer.text
    server.clock.advance(timedelta(minutes=16))
    server.sign_in(ana)


def test_an_address_locks_after_failures_on_many_names(server: Server) -> None:
    ana = server.add("ana")
    client = server.client(**{"Accept-Language": "en"})
    for i in range(ADDRESS_LIMIT):
        client.post("/signin", data={"name": f"guess-{i}", "password": "whatever password"})
    answer = client.post("/signin", data={"name": "ana", "password": ana.password})
    assert answer.status_code == 401 and THROTTLED in answer.text


def test_a_totp_code_works_once(server: Server) -> None:
    ana = server.add("ana")
    code = ana.code(server.clock())
    server.sign_in(ana, code)
    server.clock.advance(timedelta(seconds=-30))  # same moment: the code would still be valid
    client = server.client(**{"Accept-Language": "en"})
    client.post("/signin", data={"name": "ana", "password": ana.password})
    csrf = CSRF_INPUT.search(client.get("/signin/code").text)
    assert csrf
    answer = client.post("/signin/code", data={"code": code, "csrf_token": csrf.group(1)})
    assert answer.status_code == 401 and "already used" in answer.text


def test_a_recovery_code_works_once(server: Server) -> None:
    ana = server.add("ana")
    server.sign_in(ana, ana.recovery_codes[0])
    client = server.client()
    client.post("/signin", data={"name": "ana", "password": ana.password})
    csrf = CSRF_INPUT.search(client.get("/signin/code").text)
    assert csrf
    answer = client.post(
        "/signin/code", data={"code": ana.recovery_codes[0], "csrf_token": csrf.group(1)}
    )
    assert answer.status_code == 401


def test_a_suspended_member_is_thrown_out_at_once(server: Server) -> None:
    boss = server.add("boss", Role.ADMIN)
    ana = server.add("ana")
    admin = server.sign_in(boss)
    her = server.sign_in(ana)
    assert her.get("/api/v1/me").status_code == 200
    assert admin.post(f"/members/{ana.id}/suspend").status_code == 303
    assert her.get("/api/v1/me").status_code == 401
    assert her.get("/").status_code == 401


def test_a_change_of_role_gives_a_new_token(server: Server) -> None:
    boss = server.add("boss", Role.ADMIN)
    new = server.add("new", Role.PROBATION)
    admin = server.sign_in(boss)
    her = server.sign_in(new)
    before = her.token
    assert her.get("/members").status_code == 403
    assert admin.post(f"/members/{new.id}/role", {"role": "admin"}).status_code == 303
    answer = her.get("/api/v1/me")
    assert answer.status_code == 200 and answer.json()["member"]["role"] == "admin"
    assert her.token != before
    stale = server.client()
    stale.cookies.set("haechi_session", before)
    assert stale.get("/api/v1/me").status_code == 401


def test_state_changes_need_the_csrf_token_and_the_same_origin(server: Server) -> None:
    boss = server.add("boss", Role.ADMIN)
    admin = server.sign_in(boss)
    path = "/api/v1/members/invites"
    assert admin.http.post(path).status_code == 403
    assert admin.http.post(path, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert admin.http.post("/members/invite", data={"csrf_token": "wrong"}).status_code == 403
    ok = {"X-CSRF-Token": admin.csrf}
    for hostile in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        answer = admin.http.post(path, headers={**ok, **hostile})
        assert answer.status_code == 403, hostile
    assert admin.http.post(path, headers={**ok, "Origin": server.url}).status_code == 201
    assert admin.http.post(path, headers={**ok, "Sec-Fetch-Site": "same-origin"}).status_code == 201
    # Signing in from another site's form is refused too (login CSRF).
    answer = server.client().post(
        "/signin", data={"name": "boss", "password": boss.password},
        headers={"Origin": "http://evil.example"},
    )
    assert answer.status_code == 403
