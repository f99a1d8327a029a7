"""Passkeys against a real server: registration and sign-in ceremonies driven by a software
authenticator, a sign count that goes back refused and recorded, list and removal."""

from __future__ import annotations

import httpx
from tests.web.conftest import CSRF_INPUT, Server
from tests.web.softkey import SoftAuthenticator

from haechi.audit.trail import AuditKind, events
from haechi.members.model import Role
from haechi.testkit.team import TeamMember


def password_step(server: Server, member: TeamMember) -> tuple[httpx.Client, str]:
    client = server.client()
    answer = client.post("/signin", data={"name": member.name, "password": member.password})
    assert answer.status_code == 303, answer.text
    match = CSRF_INPUT.search(client.get("/signin/code").text)
    assert match
    return client, match.group(1)


def passkey_step(
    server: Server, member: TeamMember, key: SoftAuthenticator, count: int | None = None
) -> httpx.Response:
    client, csrf = password_step(server, member)
    options = client.post("/signin/passkey/options", headers={"X-CSRF-Token": csrf})
    assert options.status_code == 200, options.text
    assert options.json()["rpId"] == "127.0.0.1"
    answer = key.get(options.json(), server.url, count)
    done = client.post("/signin/passkey", json=answer, headers={"X-CSRF-Token": csrf})
    if done.status_code == 200:
        assert client.get("/api/v1/me").status_code == 200
    return done


def test_register_sign_in_refuse_a_replayed_count_and_remove(server: Server) -> None:
    member = server.add("passkey-user", Role.ANALYST)
    me = server.sign_in(member)
    key = SoftAuthenticator()
    headers = {"X-CSRF-Token": me.csrf}
    options = me.http.post("/api/v1/passkeys/registration/options", headers=headers)
    assert options.status_code == 200, options.text
    assert options.json()["attestation"] == "none"
    made = me.http.post(
        "/api/v1/passkeys/registration",
        json={"credential": key.create(options.json(), server.url), "name": "laptop"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    # The challenge was used: the same answer again is refused.
    again = me.http.post(
        "/api/v1/passkeys/registration",
        json={"credential": key.create(options.json(), server.url)},
        headers=headers,
    )
    assert again.status_code == 400 and "challenge" in again.text
    [listed] = me.get("/api/v1/passkeys").json()
    assert listed["name"] == "laptop" and listed["transports"] == ["internal"]
    assert "laptop" in me.get("/passkeys").text

    done = passkey_step(server, member, key)
    assert done.status_code == 200 and done.json() == {"next": "/"}, done.text
    refused = passkey_step(server, member, key, count=1)  # the counter went back: a clone?
    assert refused.status_code == 401
    with server.db.session() as session:
        [clone] = events(session, kind=AuditKind.PASSKEY_REFUSED)
        assert clone.subject_name == "passkey-user"
        [signin] = [e for e in events(session, kind=AuditKind.SIGNIN) if e.detail.get("factor")]
        assert signin.detail["factor"] == "passkey"
    other = SoftAuthenticator(credential_id=key.credential_id)  # same id, another key
    assert passkey_step(server, member, other, count=50).status_code == 401

    gone = me.http.delete(f"/api/v1/passkeys/{listed['id']}", headers=headers)
    assert gone.status_code == 204
    assert me.get("/api/v1/passkeys").json() == []
    client, csrf = password_step(server, member)
    none_left = client.post("/signin/passkey/options", headers={"X-CSRF-Token": csrf})
    assert none_left.status_code == 401 and "no passkey" in none_left.text


def test_the_passkey_step_needs_the_password_step_and_its_csrf_token(server: Server) -> None:
    member = server.add("careful", Role.LIAISON)
    anonymous = server.client()
    assert anonymous.post("/signin/passkey/options").status_code == 401
    client, _ = password_step(server, member)
    assert client.post("/signin/passkey/options").status_code == 403
    someone = server.sign_in(server.add("other", Role.ANALYST))
    stranger = someone.http.delete("/api/v1/passkeys/1", headers={"X-CSRF-Token": someone.csrf})
    assert stranger.status_code == 403
