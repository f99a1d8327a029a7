"""Timelines and links in the team's server, over the scripted world of tests/tracking: the
pages draw SVG with hover titles and tables (no script), filter by platform, the JSON twins
answer what the services and the CLI answer, roles are kept, and an export is audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from tests.tracking.world import CASE, World, scripted_world
from tests.web.browser import needs_chromium, shoot, sign_in
from tests.web.conftest import Server

from haechi.audit import trail
from haechi.members.model import Role
from haechi.settings import Settings
from haechi.tracking import entry_timeline


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with scripted_world(tmp_path_factory.mktemp("web-tracking")) as built:
        yield built


@pytest.fixture
def settings(tracked: World) -> Settings:
    return tracked.settings


def test_timelines_and_links_over_http(server: Server, tracked: World) -> None:
    h = tracked.hits
    ana = server.sign_in(server.add("ana", Role.ANALYST))
    page = ana.get("/timeline/entry/1", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "<script" not in page.text
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="timeline-chart"' in page.text
    assert f"reported · #{h['A-web']} · local-portal (KR)" in page.text
    assert page.text.count('class="after-removal"') == 3
    only = ana.get("/timeline/entry/1?platform=telegram", headers={"Accept-Language": "en"})
    assert (
        f'id="sighting-{h["A-777"]}"' in only.text
        and f'id="sighting-{h["A-web"]}"' not in only.text
    )
    assert ana.get("/api/v1/timeline/entry/1").json() == entry_timeline(tracked.db, 1).as_json()
    case = ana.get(f"/api/v1/timeline/case/{CASE}").json()
    assert case["case"] == CASE and case["entries"] == [1, 2]
    assert ana.get("/timeline/case/NO-SUCH-1").status_code == 404
    assert ana.get("/api/v1/timeline/entry/999").status_code == 404

    links = ana.get("/links", headers={"Accept-Language": "en"})
    assert links.status_code == 200 and 'id="links-chart"' in links.text
    assert "7 accounts carried the same 2 items within 49.0 hours of each other" in links.text
    assert ana.get("/api/v1/links?within=24").json()["clusters"][0]["window_hours"] == 14.0
    graph = ana.get("/links/export.graphml")
    assert graph.status_code == 200 and "<graphml" in graph.text
    assert graph.headers["content-disposition"].endswith('haechi-links.graphml"')
    for secret in (CASE, "victims"):
        assert secret not in graph.text
    with tracked.db.session() as session:
        [event] = trail.events(session, kind=trail.AuditKind.LINKS_EXPORTED)
    assert event.actor_name == "ana" and event.detail["format"] == "graphml"

    reviewer = server.sign_in(server.add("rev", Role.REVIEWER))
    assert reviewer.get("/timeline/entry/1").status_code == 200
    assert reviewer.get(f"/timeline/case/{CASE}").status_code == 403
    assert reviewer.get("/links").status_code == 200
    assert reviewer.get("/links/export.json").status_code == 403
    probation = server.sign_in(server.add("new", Role.PROBATION))
    assert probation.get("/links").status_code == 403
    korean = ana.get(f"/timeline/case/{CASE}", headers={"Accept-Language": "ko"})
    assert korean.status_code == 200 and "발견 기록" in korean.text


@needs_chromium
def test_timeline_marks_say_what_happened_on_hover(
    server: Server, tracked: World, browser: Browser, tmp_path: Path
) -> None:
    page = browser.new_page(locale="en-GB")
    sign_in(page, server, server.add("bea", Role.ANALYST))
    page.goto(f"{server.url}/timeline/entry/1")
    removed = page.locator("#timeline-chart path.mark.removed title").first
    assert "HTTP 404" in (removed.text_content() or "")
    mark = page.locator("#timeline-chart polygon.mark.reported").first
    mark.hover()
    assert mark.is_visible() and mark.bounding_box() is not None
    page.click("#timeline-platforms a:text('discord')")
    assert page.locator("#timeline-sightings tbody tr").count() == 1
    shoot(page, "timeline-entry")
