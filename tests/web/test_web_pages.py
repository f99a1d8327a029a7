"""The pages: escaped hostile names, probation kept out, invitations, the audit log and its
exports, headers, language, and the catalogue covering every text of every template."""

from __future__ import annotations

import csv
import io
import json
import re

from tests.web.conftest import Server

from haechi.members.model import Role
from haechi.web.i18n import negotiate

HOSTILE = "<script>alert(1)</script>"


def test_a_hostile_pseudonym_is_shown_escaped(server: Server) -> None:
    admin = server.sign_in(server.add(HOSTILE, Role.ADMIN))
    for path in ("/", "/members"):
        page = admin.get(path)
        assert page.status_code == 200
        assert HOSTILE not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_probation_sees_who_she_is_and_nothing_else(server: Server) -> None:
    newbie = server.sign_in(server.add("newbie", Role.PROBATION))
    home = newbie.get("/", headers={"Accept-Language": "en"})
    assert home.status_code == 200 and "probation" in home.text
    assert 'href="/members"' not in home.text and 'href="/audit"' not in home.text
    for path in ("/members", "/audit", "/audit/export", "/api/v1/members", "/api/v1/audit"):
        assert newbie.get(path).status_code == 403, path


def test_anonymous_pages_ask_to_sign_in(server: Server) -> None:
    answer = server.client(**{"Accept-Language": "en"}).get("/")
    assert answer.status_code == 401 and 'href="/signin"' in answer.text


def test_an_invitation_link_joins_once(server: Server) -> None:
    admin = server.sign_in(server.add("boss", Role.ADMIN))
    page = admin.post("/members/invite")
    link = re.search(r'<code id="invite-link">([^<]+)</code>', page.text)
    assert page.status_code == 200 and link
    path = link.group(1).removeprefix(server.url)
    guest = server.client(**{"Accept-Language": "en"})
    assert guest.get(path).status_code == 200
    form = {"name": "newbie", "password": "a long new password", "password_again": "x" * 12}
    assert guest.post(path, data=form).status_code == 400
    form["password_again"] = form["password"]
    joined = guest.post(path, data=form)
    assert joined.status_code == 200 and "<svg" in joined.text and "probation" in joined.text
    assert guest.post(path, data={**form, "name": "again"}).status_code == 404
    members = admin.get("/api/v1/members").json()
    assert {"name": "newbie", "role": "probation"}.items() <= next(
        m for m in members if m["name"] == "newbie"
    ).items()


def test_the_audit_log_filters_and_exports(server: Server) -> None:
    server.add("boss", Role.ADMIN)
    auditor = server.sign_in(server.add("=auditor", Role.AUDITOR))
    page = auditor.get("/audit", params={"kind": "signin"})
    assert page.status_code == 200 and "member.created" not in page.text.split("<tbody>")[1]
    api = auditor.get("/api/v1/audit", params={"member": "=auditor"}).json()
    assert api["chain"]["ok"] is True
    assert {e["kind"] for e in api["events"]} == {"member.created", "signin"}
    exported = auditor.get("/audit/export", params={"format": "csv", "member": "=auditor"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and all(r["subject"] in ("'=auditor", "") for r in rows)
    lines = auditor.get("/audit/export", params={"format": "json"}).text.splitlines()
    assert json.loads(lines[-1])["kind"] == "audit.exported"  # the CSV export, recorded


def test_security_headers(server: Server) -> None:
    answer = server.client().get("/signin")
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"


def test_language_follows_accept_language(server: Server) -> None:
    assert "로그인" in server.client(**{"Accept-Language": "ko-KR,ko;q=0.9"}).get("/signin").text
    page = server.client(**{"Accept-Language": "en-GB,en;q=0.8,ko;q=0.5"}).get("/signin").text
    assert "Sign in" in page and "로그인" not in page
    assert negotiate(None) == "ko" and negotiate("fr, en;q=0.1") == "en"
