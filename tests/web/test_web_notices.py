"""Notices in the browser's server and its API: drafted by one analyst, refused to her own
approval (four eyes), approved by a second, shown as the exact e-mail, sent to a real SMTP
server on 127.0.0.1 and read back, marked removed; overdue and follow-ups listed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.web.casework_world import Casework, casework_settings, mail, site, world
from tests.web.conftest import Server

from haechi.members.model import Role
from haechi.settings import Settings

__all__ = ["casework_settings", "mail", "site", "world"]


@pytest.fixture
def settings(casework_settings: Settings) -> Settings:
    return casework_settings


def test_four_eyes_then_the_exact_email_reaches_the_mail_server(
    server: Server, world: Casework
) -> None:
    ana = server.sign_in(server.add("ana", Role.ANALYST))
    bo_member = server.add("bo", Role.ANALYST)
    bo = server.sign_in(bo_member)
    auditor = server.sign_in(server.add("aud", Role.AUDITOR))
    csrf = {"X-CSRF-Token": ana.csrf}

    drafted = ana.http.post("/api/v1/notices/drafts", json={}, headers=csrf)
    assert drafted.status_code == 201, drafted.text
    notices = {n["platform"]: n for n in drafted.json()["notices"]}
    assert set(notices) == {"local-portal", "local-host"}
    portal = notices["local-portal"]["id"]
    assert auditor.http.post("/api/v1/notices/drafts", json={}).status_code == 403

    waiting = bo.get("/api/v1/notices/waiting").json()
    assert set(waiting["by_platform"]) == {"local-portal", "local-host"}
    [entry] = waiting["by_platform"]["local-portal"]
    assert entry["drafted_by"] == "ana" and entry["approved_by"] is None

    # Her own draft: refused in the service, by the API and the page alike.
    refused = ana.http.post(f"/api/v1/notices/{portal}/approve", json={}, headers=csrf)
    assert refused.status_code == 403 and "another member" in refused.json()["detail"]
    page = ana.get(f"/notices/{portal}", headers={"Accept-Language": "en"})
    assert 'id="four-eyes"' in page.text and 'id="approve-form"' not in page.text
    assert ana.post(f"/notices/{portal}/approve").status_code == 403

    # The second member sees the exact e-mail, in the platform's language, before approving.
    shown = bo.get(f"/notices/{portal}", headers={"Accept-Language": "ko"})
    assert shown.status_code == 200 and 'id="approve-form"' in shown.text
    assert "To: abuse@local-portal.example" in shown.text
    assert "X-Haechi-Notice: " + str(portal) in shown.text
    assert "Content-Language: ko, en" in shown.text
    detail = bo.get(f"/api/v1/notices/{portal}").json()
    headers = {h["name"]: h["value"] for h in detail["email"]["headers"]}
    assert headers["Subject"] == detail["subject"] and detail["email"]["problem"] is None
    assert bo.post(f"/notices/{portal}/approve", {"note": "checked"}).status_code == 303
    after = bo.get(f"/api/v1/notices/{portal}").json()
    assert after["status"] == "approved" and after["approved_by"] == "bo"

    sent = ana.http.post(f"/api/v1/notices/{portal}/send", headers=csrf)
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent" and sent.json()["evidence_errors"] == []
    [message] = world.mailbox.messages()
    assert message["To"] == "abuse@local-portal.example"
    assert message["X-Haechi-Notice"] == str(portal)
    assert message["Subject"] == detail["subject"]
    text = message.get_body(("plain",))
    assert text is not None and text.get_content().startswith(detail["email"]["body"].strip())
    again = ana.http.post(f"/api/v1/notices/{portal}/send", headers=csrf)
    assert again.status_code == 409  # sent once, never twice

    audit = server.sign_in(server.add("root", Role.ADMIN)).get("/api/v1/audit").json()
    kinds = [(e["kind"], e["actor"]) for e in audit["events"]]
    assert ("notice.approved", "bo") in kinds and ("notice.sent", "ana") in kinds

    # Overdue once the deadline (24 h) has passed with the content still up.
    server.clock.advance(timedelta(hours=25))
    bo = server.sign_in(bo_member)  # a day later: a new session
    auditor = server.sign_in(server.add("aud2", Role.AUDITOR))
    late = bo.get("/api/v1/notices", params={"overdue": "true"}).json()
    assert [n["id"] for n in late["items"]] == [portal] and late["items"][0]["overdue"]
    board = bo.get("/notices", headers={"Accept-Language": "en"}).text
    assert 'id="overdue"' in board and f'href="/notices/{portal}"' in board

    # The platform took it down.
    marked = bo.post(f"/notices/{portal}/mark", {"what": "removed", "note": "gone"})
    assert marked.status_code == 303
    done = bo.get(f"/api/v1/notices/{portal}").json()
    assert done["status"] == "removed" and all(i["removed_at"] for i in done["items"])
    assert bo.post(f"/notices/{portal}/mark", {"what": "asleep"}).status_code == 422

    listing = auditor.get(
        "/api/v1/notices", params={"sort": "platform", "order": "asc", "per_page": 1}
    ).json()
    assert listing["total"] == 2 and listing["pages"] == 2
    assert [n["platform"] for n in listing["items"]] == ["local-host"]
    assert auditor.get("/api/v1/notices", params={"sort": "nope"}).status_code == 400
