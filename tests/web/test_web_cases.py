"""Cases in the team's server: the list paginated and sorted, a case's page with what it
holds, her consent choices (liaisons only, audited), and closing it as she chooses: hashes
withdrawn, evidence destroyed with signed tombstones, the statistics' notices kept."""

from __future__ import annotations

import json

import pytest
from tests.web.casework_world import CASE, Casework, casework_settings, mail, site, world
from tests.web.conftest import Server
from typer.testing import CliRunner

from haechi.cli import app as cli
from haechi.members.model import Role
from haechi.settings import Settings

__all__ = ["casework_settings", "mail", "site", "world"]


@pytest.fixture
def settings(casework_settings: Settings) -> Settings:
    return casework_settings


def test_a_case_from_the_list_to_its_closing(server: Server, world: Casework) -> None:
    liaison = server.sign_in(server.add("lia", Role.LIAISON))
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    reviewer = server.sign_in(server.add("rev", Role.REVIEWER))
    csrf = {"X-CSRF-Token": liaison.csrf}

    made = liaison.http.post("/api/v1/cases", json={"ref": "C-2026-777"}, headers=csrf)
    assert made.status_code == 201 and made.json()["ref"] == "C-2026-777"
    assert (
        liaison.http.post("/api/v1/cases", json={"ref": "C-2026-777"}, headers=csrf).status_code
        == 422
    )
    assert liaison.post("/cases", {"ref": "C-2026-778"}).status_code == 303
    assert analyst.post("/cases", {"ref": "C-2026-779"}).status_code == 403

    listed = analyst.get("/api/v1/cases", params={"sort": "ref", "order": "asc"}).json()
    assert [c["ref"] for c in listed["items"]] == sorted([CASE, "C-2026-777", "C-2026-778"])
    first = analyst.get("/api/v1/cases", params={"sort": "hits", "per_page": 1}).json()
    assert first["pages"] == 3 and first["items"][0]["ref"] == CASE
    assert first["items"][0]["entries"] == 2 and first["items"][0]["hits"] == 2
    page = analyst.get(
        "/cases", params={"sort": "ref", "order": "desc"}, headers={"Accept-Language": "ko"}
    )
    assert page.status_code == 200 and "사건" in page.text and f'href="/cases/{CASE}"' in page.text
    assert reviewer.get("/cases").status_code == 403

    # The case's page: no personal-data link and no labels for an analyst.
    shown = analyst.get(f"/cases/{CASE}", headers={"Accept-Language": "en"})
    assert shown.status_code == 200 and 'id="personal-link"' not in shown.text
    assert 'id="consent-form"' not in shown.text and 'id="close-form"' not in shown.text
    own = liaison.get(f"/cases/{CASE}", headers={"Accept-Language": "en"})
    assert f'href="/cases/{CASE}/personal"' in own.text and 'id="close-form"' in own.text
    assert analyst.get("/cases/NO-SUCH-CASE").status_code == 404

    # Her choices: liaisons record them; analysts may not.
    assert analyst.post(f"/cases/{CASE}/consent", {"keep_evidence": "no"}).status_code == 403
    assert (
        liaison.post(
            f"/cases/{CASE}/consent", {"keep_evidence": "no", "police_may_name": "yes"}
        ).status_code
        == 303
    )
    data = analyst.get(f"/api/v1/cases/{CASE}").json()
    assert data["consent"]["keep_evidence"] is False and data["consent"]["police_may_name"] is True
    assert all("label" not in e for e in data["entries"]) and len(data["hits"]) == 2
    live = [c for c in data["captures"] if not c["destroyed"]]
    assert len(live) == 2
    # She did not want her evidence kept: the closing form offers its destruction.
    assert 'name="destroy_evidence" value="true" checked' in liaison.get(f"/cases/{CASE}").text

    closed = liaison.http.post(
        f"/api/v1/cases/{CASE}/close",
        json={"withdraw_hashes": True, "destroy_evidence": True, "reason": "her wish"},
        headers=csrf,
    )
    assert closed.status_code == 200, closed.text
    outcome = closed.json()
    assert outcome["entries_withdrawn"] == 2 and outcome["captures_destroyed"] == 2
    after = analyst.get(f"/api/v1/cases/{CASE}").json()
    assert after["closed_at"] and after["closing"]["closed_by"] == "lia"
    assert all(e["withdrawn"] for e in after["entries"])
    assert all(c["destroyed"] for c in after["captures"]) and len(after["hits"]) == 2
    again = liaison.http.post(f"/api/v1/cases/{CASE}/close", json={}, headers=csrf)
    assert again.status_code == 422 and "closed already" in again.json()["detail"]

    audit = server.sign_in(server.add("root", Role.ADMIN)).get("/api/v1/audit").json()["events"]
    kinds = {(e["kind"], e["actor"]) for e in audit}
    assert {("case.consent", "lia"), ("case.closed", "lia"), ("entries.withdrawn", "lia")} <= kinds
    assert not any("her wish" in str(e["detail"]) for e in audit)  # the reason stays home


def test_the_console_records_consent_and_closes_through_the_same_services(
    server: Server, settings: Settings
) -> None:
    home = ["--home", str(settings.home)]
    runner = CliRunner()
    assert runner.invoke(cli, [*home, "case", "new", "C-2026-900"]).exit_code == 0
    made = runner.invoke(
        cli, [*home, "case", "consent", "C-2026-900", "--keep-evidence", "yes", "--json"]
    )
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["keep_evidence"] is True
    bad = runner.invoke(cli, [*home, "case", "consent", "C-2026-900", "--keep-evidence", "maybe"])
    assert bad.exit_code == 2
    closed = runner.invoke(cli, [*home, "case", "close", "C-2026-900", "--withdraw", "--json"])
    assert closed.exit_code == 0, closed.output
    assert json.loads(closed.output)["closed_by"] == "console"
    liaison = server.sign_in(server.add("lia", Role.LIAISON))
    seen = liaison.get("/api/v1/cases/C-2026-900").json()
    assert seen["consent"]["updated_by"] == "console" and seen["closing"]["closed_by"] == "console"
    assert liaison.get("/api/v1/cases", params={"state": "closed"}).json()["total"] == 1
    again = runner.invoke(cli, [*home, "case", "close", "C-2026-900"])
    assert again.exit_code == 1 and "closed already" in again.output
