"""Police reports in the team's server: a liaison makes a case's package, downloads it as a
valid zip whose SHA256SUMS hold (the download audited), records its handover, watches the
waiting clock count days, and records the station's answer."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from tests.web.casework_world import CASE, Casework, casework_settings, mail, site, world
from tests.web.conftest import Server

from haechi.members.model import Role
from haechi.settings import Settings

__all__ = ["casework_settings", "mail", "site", "world"]


@pytest.fixture
def settings(casework_settings: Settings) -> Settings:
    return casework_settings


def test_a_package_made_downloaded_handed_over_and_answered(
    server: Server, world: Casework
) -> None:
    liaison_member = server.add("lia", Role.LIAISON)
    liaison = server.sign_in(liaison_member)
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    assert analyst.post("/reports", {"case": CASE, "station": "Mapo"}).status_code == 403
    refused = liaison.post("/reports", {"case": "NO-SUCH", "station": "Mapo"})
    assert refused.status_code == 404

    made = liaison.post("/reports", {"case": CASE, "station": "서울 마포경찰서"})
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    report_id = int(path.rsplit("/", 1)[1])
    page = liaison.get(path, headers={"Accept-Language": "ko"})
    assert (
        page.status_code == 200 and 'id="download"' in page.text and "서울 마포경찰서" in page.text
    )
    assert 'id="download"' not in analyst.get(path).text  # the zip carries the evidence

    answer = liaison.get(f"{path}/package.zip")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.testzip() is None
    names = {n.rsplit("/", 1)[1]: n for n in archive.namelist()}
    assert {"report.pdf", "evidence.wacz", "hits.json", "SHA256SUMS"} <= set(names)
    sums = archive.read(names["SHA256SUMS"]).decode().splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256(archive.read(names[name])).hexdigest() == digest
    assert archive.read(names["report.pdf"]).startswith(b"%PDF")
    assert analyst.get(f"{path}/package.zip").status_code == 403
    via_api = liaison.get(f"/api/v1/reports/{report_id}/package")
    assert via_api.status_code == 200 and via_api.content == answer.content

    assert liaison.post(f"{path}/sent").status_code == 303
    server.clock.advance(timedelta(days=3, hours=1))
    liaison = server.sign_in(liaison_member)
    waiting = liaison.get("/api/v1/reports", params={"waiting": "true"}).json()
    [line] = waiting["items"]
    assert line["id"] == report_id and line["days_waiting"] == 3 and line["sent_by"] == "lia"
    listing = liaison.get("/reports", headers={"Accept-Language": "en"})
    assert (
        f'href="/reports/{report_id}"' in listing.text and '<td class="days">3</td>' in listing.text
    )

    assert liaison.post(f"{path}/answer", {"answer": "접수 2026-1234"}).status_code == 303
    done = liaison.get(f"/api/v1/reports/{report_id}").json()
    assert done["answer"] == "접수 2026-1234" and done["days_waiting"] is None
    assert done["answered_by"] == "lia"
    assert liaison.get("/api/v1/reports", params={"waiting": "true"}).json()["items"] == []
    analyst = server.sign_in(server.add("ana2", Role.ANALYST))
    case = analyst.get(f"/api/v1/cases/{CASE}").json()
    assert [r["id"] for r in case["police_reports"]] == [report_id]

    audit = server.sign_in(server.add("root", Role.ADMIN)).get("/api/v1/audit").json()["events"]
    kinds = [(e["kind"], e["actor"]) for e in audit]
    assert kinds.count(("police_package.downloaded", "lia")) == 2
    assert ("police_package.made", "lia") in kinds
