"""In Debian's Chromium: sign in with password and TOTP and see the home page; probation is
refused the members and audit pages; a hostile pseudonym fires no dialog; a member switches
to English, and a suspension throws her out."""

from __future__ import annotations

from playwright.sync_api import Browser
from tests.web.browser import needs_chromium, sign_in
from tests.web.conftest import Server

from haechi.members.model import Role

pytestmark = needs_chromium


def test_sign_in_with_password_and_totp(server: Server, browser: Browser) -> None:
    hostile = server.add("<script>alert(1)</script>", Role.ADMIN)
    page = browser.new_page(locale="en-US")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, server, hostile)
    assert page.text_content("#member-name") == "<script>alert(1)</script>"
    assert page.text_content("#member-role") == "admin"
    page.click("a[href='/members']")
    assert page.locator(".member-name").first.text_content() == "<script>alert(1)</script>"
    assert dialogs == []
    page.click("header button[type=submit]")  # sign out
    page.wait_for_url(f"{server.url}/signin")
    answer = page.goto(f"{server.url}/")
    assert answer is not None and answer.status == 401


def test_probation_is_refused_members_and_audit(server: Server, browser: Browser) -> None:
    newbie = server.add("newbie", Role.PROBATION)
    page = browser.new_page(locale="ko-KR")
    sign_in(page, server, newbie)
    assert page.text_content("#member-role") == "수습"
    assert page.locator("a[href='/members']").count() == 0
    for path in ("/members", "/audit"):
        answer = page.goto(f"{server.url}{path}")
        assert answer is not None and answer.status == 403
        assert "권한이 없습니다" in page.content()


def test_language_switch_then_suspension_throws_her_out(server: Server, browser: Browser) -> None:
    from haechi.members.model import Actor
    from haechi.members.service import suspend

    admin = server.add("admin-1", Role.ADMIN)
    analyst = server.add("analyst-1", Role.ANALYST)
    page = browser.new_page(locale="ko-KR")
    sign_in(page, server, analyst)
    assert page.text_content("#member-role") == "분석가"
    page.goto(f"{server.url}/settings")
    page.select_option("select[name=locale]", "en")
    page.click("#settings-form button[type=submit]")
    page.goto(f"{server.url}/")
    assert page.text_content("#member-role") == "analyst"  # her choice beats the browser's

    with server.db.session() as session:
        suspend(session, Actor(admin.id, admin.name, Role.ADMIN), analyst.id, now=server.clock())
    answer = page.goto(f"{server.url}/")
    assert answer is not None and answer.status == 401
    answer = page.goto(f"{server.url}/settings")
    assert answer is not None and answer.status == 401
