"""Statistics in the team's server: removal times per platform move when a notice is sent
and its content marked removed; the page draws them as inline SVG (no script, no image
request) and the CSV holds the same figures as the JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.web.casework_world import Casework, casework_settings, mail, site, world
from tests.web.conftest import Server

from haechi.csv_cells import read_csv
from haechi.members.model import Role
from haechi.settings import Settings

__all__ = ["casework_settings", "mail", "site", "world"]


@pytest.fixture
def settings(casework_settings: Settings) -> Settings:
    return casework_settings


def test_removal_times_move_and_read_the_same_in_svg_json_and_csv(
    server: Server, world: Casework
) -> None:
    ana = server.sign_in(server.add("ana", Role.ANALYST))
    bo = server.sign_in(server.add("bo", Role.ANALYST))
    reviewer = server.sign_in(server.add("rev", Role.REVIEWER))
    empty = reviewer.get("/stats", headers={"Accept-Language": "en"})
    assert empty.status_code == 200 and "No notice has been sent yet." in empty.text
    assert server.sign_in(server.add("new", Role.PROBATION)).get("/stats").status_code == 403

    csrf = {"X-CSRF-Token": ana.csrf}
    drafted = ana.http.post("/api/v1/notices/drafts", json={"platform": "local-host"}, headers=csrf)
    [notice] = drafted.json()["notices"]
    approved = bo.http.post(
        f"/api/v1/notices/{notice['id']}/approve", json={}, headers={"X-CSRF-Token": bo.csrf}
    )
    assert approved.status_code == 200, approved.text
    assert ana.http.post(f"/api/v1/notices/{notice['id']}/send", headers=csrf).status_code == 200
    server.clock.advance(timedelta(hours=5))
    ana = server.sign_in(server.add("ana2", Role.ANALYST))
    marked = ana.http.post(
        f"/api/v1/notices/{notice['id']}/mark",
        json={"what": "removed"},
        headers={"X-CSRF-Token": ana.csrf},
    )
    assert marked.status_code == 200, marked.text

    reviewer = server.sign_in(server.add("rev2", Role.REVIEWER))
    [figures] = reviewer.get("/api/v1/stats").json()
    assert figures["platform"] == "local-host" and figures["items_reported"] == 3
    assert figures["items_removed"] == 3 and figures["never_removed_share"] == 0.0
    assert abs(figures["median_hours_to_removal"] - 5.0) < 0.05

    page = reviewer.get("/stats", headers={"Accept-Language": "ko"})
    assert page.status_code == 200 and "<script" not in page.text
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="chart-hours"' in page.text
    assert 'class="bar"' in page.text and "첫 통지부터 삭제까지 걸린 시간" in page.text

    answer = reviewer.get("/stats.csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    header, rows = read_csv(answer.content.decode("utf-8-sig"))
    assert header[0] == "platform" and len(rows) == 1
    assert rows[0]["platform"] == "local-host" and rows[0]["items_removed"] == "3"
    assert abs(float(rows[0]["median_hours_to_removal"]) - 5.0) < 0.05
    assert reviewer.get("/api/v1/stats.csv").content == answer.content
