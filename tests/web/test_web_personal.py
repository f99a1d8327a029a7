"""A case's personal data over HTTP: liaisons and admins see and write it (every view
audited), analysts are refused, the form needs its CSRF token, lookups find a phone number
written another way, and the database file holds none of it."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import Server

from haechi.audit.trail import AuditKind, events
from haechi.cases.personal import open_case
from haechi.members.model import Actor, Role

NAME = "김비밀피해자"
PHONE = "010-1234-5678"


def make_case(server: Server, ref: str = "C-1") -> None:
    with server.db.session() as session:
        open_case(session, Actor.console(), ref, None, now=server.clock())


def views(server: Server) -> list[str]:
    with server.db.session() as session:
        return [e.actor_name for e in events(session, kind=AuditKind.CASE_PERSONAL_VIEWED)]


def test_a_liaison_writes_and_sees_an_analyst_is_refused(server: Server) -> None:
    make_case(server)
    liaison = server.sign_in(server.add("liaison-kim", Role.LIAISON))
    analyst = server.sign_in(server.add("analyst-lee", Role.ANALYST))
    empty = liaison.get("/cases/C-1/personal")
    assert empty.status_code == 200 and 'id="personal-none"' in empty.text
    written = liaison.post(
        "/cases/C-1/personal",
        {"name": NAME, "contacts": f"{PHONE}\nvictim@example.org", "notes": "<script>x</script>"},
    )
    assert written.status_code == 303, written.text
    page = liaison.get("/cases/C-1/personal")
    assert NAME in page.text and PHONE in page.text
    assert "<script>x</script>" not in page.text and "&lt;script&gt;" in page.text
    assert views(server) == ["liaison-kim", "liaison-kim"]

    assert analyst.get("/cases/C-1/personal").status_code == 403
    assert analyst.get("/api/v1/cases/C-1/personal").status_code == 403
    assert analyst.post("/cases/C-1/personal", {"name": "x"}).status_code == 403
    assert views(server) == ["liaison-kim", "liaison-kim"]
    no_token = liaison.http.post("/cases/C-1/personal", data={"name": "x"})
    assert no_token.status_code == 403

    home = Path(server.db.url.removeprefix("sqlite:///")).parent
    raw = b"".join(p.read_bytes() for p in home.glob("haechi.db*"))
    assert NAME.encode() not in raw and PHONE.encode() not in raw and b"victim@" not in raw


def test_the_api_reads_writes_and_looks_up(server: Server) -> None:
    make_case(server, "C-9")
    admin = server.sign_in(server.add("admin-park", Role.ADMIN))
    headers = {"X-CSRF-Token": admin.csrf}
    put = admin.http.put(
        "/api/v1/cases/C-9/personal",
        json={"name": NAME, "contacts": [PHONE], "consent": ["police", "contact"]},
        headers=headers,
    )
    assert put.status_code == 200, put.text
    got = admin.get("/api/v1/cases/C-9/personal").json()
    assert got["personal"]["name"] == NAME and got["personal"]["consent"] == ["contact", "police"]
    assert got["updated_by"] == "admin-park"
    found = admin.http.post(
        "/api/v1/personal/lookup", json={"contact": "01012345678"}, headers=headers
    )
    assert found.json() == {"cases": ["C-9"]}
    page = admin.post("/personal/lookup", {"contact": "+82 10-1234-5678"})
    assert page.status_code == 200 and "/cases/C-9/personal" in page.text
    bad = admin.http.put(
        "/api/v1/cases/C-9/personal", json={"consent": ["everything"]}, headers=headers
    )
    assert bad.status_code == 422
    missing = admin.get("/api/v1/cases/no-such/personal")
    assert missing.status_code == 404
    assert views(server) == ["admin-park"]
