"""In Debian's Chromium: a liaison records a victim's personal data and sees it, each view
lands in the audit log; an analyst is refused the page; hostile text fires no dialog."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser
from tests.web.browser import needs_chromium, sign_in
from tests.web.conftest import Server

from haechi.audit.trail import AuditKind, events
from haechi.cases.personal import open_case
from haechi.members.model import Actor, Role

pytestmark = needs_chromium

NAME = "김해치 <img src=x onerror=alert(1)>"


def test_a_liaison_sees_an_analyst_is_refused(server: Server, browser: Browser) -> None:
    with server.db.session() as session:
        open_case(session, Actor.console(), "C-2026-042", None, now=server.clock())
    liaison = server.add("liaison-han", Role.LIAISON)
    page = browser.new_page(locale="en-US")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, server, liaison)
    page.goto(f"{server.url}/cases/C-2026-042/personal")
    assert page.locator("#personal-none").count() == 1
    page.fill("input[name=name]", NAME)
    page.fill("textarea[name=contacts]", "010-1234-5678\nhan@example.org")
    page.check("input[name=consent][value=takedown]")
    page.click("#personal-form button[type=submit]")
    page.wait_for_url(f"{server.url}/cases/C-2026-042/personal")
    assert page.text_content("#personal-name") == NAME
    assert "010-1234-5678" in (page.text_content("#personal-contacts") or "")
    assert page.text_content("#personal-consent") == "takedown"
    assert dialogs == []
    with server.db.session() as session:
        seen = events(session, kind=AuditKind.CASE_PERSONAL_VIEWED)
        written = events(session, kind=AuditKind.CASE_PERSONAL_WRITTEN)
    assert [e.actor_name for e in seen] == ["liaison-han", "liaison-han"]
    assert [e.detail["case"] for e in written] == ["C-2026-042"]

    server.clock.advance(timedelta(seconds=30))
    analyst = server.add("analyst-oh", Role.ANALYST)
    other = browser.new_page(locale="en-US")
    sign_in(other, server, analyst)
    answer = other.goto(f"{server.url}/cases/C-2026-042/personal")
    assert answer is not None and answer.status == 403
    assert NAME not in other.content() and "010-1234-5678" not in other.content()
    with server.db.session() as session:
        assert len(events(session, kind=AuditKind.CASE_PERSONAL_VIEWED)) == 2
