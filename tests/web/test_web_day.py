"""A day of the team's work in Debian's Chromium, every step through the pages: a liaison
registers a victim's photo on her case; an analyst scans a site on 127.0.0.1 and watches the
scan's progress; a reviewer sees the hit blurred, reveals it and confirms it; one analyst
drafts the notice and a second approves it (four eyes) and sends it to a real SMTP server on
127.0.0.1, from which the message is read back; the removal is recorded and the statistics
move; the liaison makes the police package and downloads it.

With ``HAECHI_SCREENSHOTS=<folder>`` the casework pages are saved there in Korean as PNG
(``docs/screenshots`` holds the committed ones).
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from tests.notices.world import DIRECTORY, Mailbox, jpeg
from tests.sources.sitekit import Site
from tests.web.browser import needs_chromium, shoot, sign_in
from tests.web.casework_world import centre_settings, mail, site
from tests.web.conftest import Server

from haechi.audit import trail
from haechi.jobs.runner import JobRunner, JobsConfig
from haechi.jobs.worker import Leases
from haechi.members.model import Role
from haechi.notices.platforms import parse_platforms
from haechi.settings import Settings
from haechi.store.database import open_database
from haechi.store.notices import PlatformStore
from haechi.testkit.photos import registered_photos

__all__ = ["mail", "site"]

pytestmark = needs_chromium

CASE = "C-2026-100"


@pytest.fixture
def settings(tmp_path: Path, mail: tuple[Mailbox, int]) -> Settings:
    """The analyst names the hosts a scan may reach on the page: none allowed up front."""
    return centre_settings(tmp_path / "home", mail[1])


@pytest.fixture
def runner(settings: Settings, server: Server) -> Iterator[None]:
    """The scheduler and a worker, as `haechi serve` runs them beside the pages."""
    db = open_database(settings)
    jobs = JobRunner(
        settings,
        db,
        JobsConfig(workers=1, renew_every=0.5, dispatch_every=0.3, leases=Leases(renew_every=0.5)),
    )
    jobs.start()
    try:
        yield
    finally:
        jobs.stop()
        db.close()


def as_member(browser: Browser, server: Server, name: str, role: Role) -> Page:
    page = browser.new_page(locale="ko-KR")
    sign_in(page, server, server.add(name, role))
    return page


def submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def test_a_day_of_work(
    server: Server,
    browser: Browser,
    runner: None,
    site: Site,
    mail: tuple[Mailbox, int],
    tmp_path: Path,
) -> None:
    mailbox, _ = mail
    with server.db.session() as session:  # the directory, as `haechi platforms import` loads it
        PlatformStore(session).save(parse_platforms(DIRECTORY), server.clock())
    photo = registered_photos()["chelsea"]
    original = tmp_path / "original.png"
    photo.save(original)
    site.image("/img/a.jpg", jpeg(photo), content_type="image/jpeg")
    site.page("/board/1", '<html><body><h1>post</h1><img src="/img/a.jpg"></body></html>')
    site.page("/", '<html><body><a href="/board/1">board</a></body></html>')

    # A liaison opens the case and registers the photo on it, with the victim's consent.
    liaison = as_member(browser, server, "lia", Role.LIAISON)
    liaison.goto(f"{server.url}/cases")
    liaison.fill("#case-open input[name=ref]", CASE)
    submit(liaison, "#case-open")
    liaison.goto(f"{server.url}/banks")
    liaison.fill("#register-form input[name=bank]", "victims")
    liaison.set_input_files("#register-form input[name=files]", str(original))
    liaison.fill("#register-form input[name=case]", CASE)
    liaison.check("#register-form input[name=consent]")
    submit(liaison, "#register-form")
    assert liaison.locator("#registered tbody tr").count() == 1

    # An analyst scans the site on 127.0.0.1 and watches the scan's progress.
    analyst = as_member(browser, server, "ana", Role.ANALYST)
    analyst.goto(f"{server.url}/scans")
    analyst.fill("#scan-url-form input[name=target]", f"{site.base_url}/")
    analyst.fill("#scan-url-form input[name=allow_hosts]", "127.0.0.1")
    submit(analyst, "#scan-url-form")
    assert "/jobs/" in analyst.url
    end = time.monotonic() + 300
    while time.monotonic() < end:
        state = analyst.get_attribute("#job-state", "class") or ""
        if "job-done" in state or "job-failed" in state:
            break
        time.sleep(0.5)
        analyst.reload()
    assert "job-done" in (analyst.get_attribute("#job-state", "class") or ""), analyst.content()
    assert "http-equiv" not in analyst.content()  # it stopped refreshing itself

    # A reviewer sees the hit blurred, reveals it (audited), and confirms it.
    reviewer = as_member(browser, server, "rina", Role.REVIEWER)
    reviewer.goto(f"{server.url}/review")
    assert "reveal=" not in reviewer.content()
    row = reviewer.locator("tr.hit").first
    hit_id = int((row.get_attribute("id") or "").removeprefix("hit-"))
    image = reviewer.locator(f"#hit-{hit_id} img.preview")
    image.wait_for()
    reviewer.locator(f"#hit-{hit_id} button.reveal").click()
    reviewer.wait_for_function("img => img.src.includes('reveal=')", arg=image.element_handle())
    reviewer.check(f"#hit-{hit_id} input[name=hit]")
    with reviewer.expect_navigation():
        reviewer.click("#confirm-selected")
    with server.db.session() as session:
        assert [e.actor_name for e in trail.events(session, kind="preview.revealed")] == ["rina"]

    # One analyst drafts; she cannot approve her own draft; a second one approves.
    analyst.goto(f"{server.url}/notices")
    submit(analyst, "#draft-form")
    link = analyst.locator("#drafts-local-portal a").first
    notice_path = link.get_attribute("href") or ""
    analyst.goto(f"{server.url}{notice_path}")
    assert analyst.locator("#four-eyes").count() == 1
    assert analyst.locator("#approve-form").count() == 0
    second = as_member(browser, server, "bo", Role.ANALYST)
    second.goto(f"{server.url}{notice_path}")
    email = second.text_content("#email-headers") or ""
    assert "To: abuse@local-portal.example" in email and "Content-Language: ko, en" in email
    body = second.text_content("#email-body") or ""
    shoot(second, "notice")
    submit(second, "#approve-form")
    assert second.text_content("#approved-by") is not None
    assert "bo" in (second.text_content("#approved-by") or "")
    submit(second, "#send-form")
    [message] = mailbox.messages()
    assert message["To"] == "abuse@local-portal.example"
    text = message.get_body(("plain",))
    assert text is not None and text.get_content().startswith(body.strip()[:200])

    # Six hours later: the statistics before and after the platform took the content down.
    server.clock.advance(timedelta(hours=6))
    second = as_member(browser, server, "cho", Role.ANALYST)
    second.goto(f"{server.url}/stats")
    assert second.text_content("#stats-local-portal .removed") == "0"
    second.goto(f"{server.url}{notice_path}")
    second.select_option("#mark-form select[name=what]", "removed")
    submit(second, "#mark-form")
    assert "삭제됨" in (second.text_content("#notice-status") or "")
    second.goto(f"{server.url}/stats")
    assert second.text_content("#stats-local-portal .removed") == "1"
    assert second.locator("#chart-hours rect.bar").count() == 2
    assert second.text_content("#stats-local-portal .median") == "6.0"
    shoot(second, "stats")

    # The liaison makes the police package and downloads it.
    liaison = as_member(browser, server, "lia2", Role.LIAISON)
    liaison.goto(f"{server.url}/reports?case={CASE}")
    liaison.fill("#report-form input[name=station]", "서울 마포경찰서")
    submit(liaison, "#report-form")
    with liaison.expect_download() as download:
        liaison.click("#download")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert archive.testzip() is None
    assert {"report.pdf", "evidence.wacz", "SHA256SUMS"} <= {
        n.rsplit("/", 1)[1] for n in archive.namelist()
    }
    shoot(liaison, "report")
    for path, name in (
        ("/cases", "cases"),
        (f"/cases/{CASE}", "case"),
        ("/reports", "reports"),
    ):
        liaison.goto(f"{server.url}{path}")
        shoot(liaison, name)
    second.goto(f"{server.url}/notices")
    shoot(second, "notices")
    for page in (liaison, analyst, second, reviewer):
        page.close()
