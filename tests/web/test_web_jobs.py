"""The jobs pages and API: an analyst asks for a scan with the form (CSRF checked), a server
without the scheduler only queues it, another process holding the lease runs it, and the
page and the API show its progress and result; `haechi jobs list` reads the same rows."""

from __future__ import annotations

import json
import re
import time

from tests.web.conftest import Server
from typer.testing import CliRunner

from haechi.cli import app as cli
from haechi.jobs.runner import JobRunner, JobsConfig
from haechi.jobs.worker import Leases
from haechi.members.model import Role
from haechi.settings import Settings
from haechi.store.database import open_database


def test_a_scan_asked_for_on_the_page_runs_where_the_scheduler_is(
    server: Server, settings: Settings
) -> None:
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    reviewer = server.sign_in(server.add("rev", Role.REVIEWER))
    page = analyst.get("/jobs", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and 'id="scan-form"' in page.text
    assert reviewer.get("/jobs").status_code == 403
    form = {"target": "http://127.0.0.1:9/", "allow_hosts": "127.0.0.1"}
    assert reviewer.post("/jobs/scan", form).status_code == 403
    no_token = analyst.http.post("/jobs/scan", data=form)
    assert no_token.status_code == 403  # no CSRF token
    refused = analyst.post("/jobs/scan", {"target": "/etc/passwd"})
    assert refused.status_code == 400 and "http://" in refused.text
    asked = analyst.post("/jobs/scan", form)
    assert asked.status_code == 303
    job_path = asked.headers["location"]
    job_id = int(job_path.rsplit("/", 1)[1])
    queued = analyst.get(job_path, headers={"Accept-Language": "en"})
    assert 'http-equiv="refresh"' in queued.text and "queued" in queued.text

    # This server runs no scheduler (like `haechi serve --no-scheduler`): another one does.
    db = open_database(settings)
    runner = JobRunner(
        settings,
        db,
        JobsConfig(workers=1, renew_every=0.5, dispatch_every=0.3, leases=Leases(renew_every=0.5)),
    )
    runner.start()
    try:
        end = time.monotonic() + 240
        while time.monotonic() < end:
            answer = analyst.get(f"/api/v1/jobs/{job_id}").json()
            if answer["state"] in ("done", "failed"):
                break
            time.sleep(0.2)
    finally:
        runner.stop()
        db.close()
    # Nothing listens on port 9: the target failed, and the job says so.
    assert answer["state"] == "failed", answer
    assert answer["error"].startswith("the target failed"), answer
    assert answer["requested_by"] == "ana" and answer["result"]["items"] >= 1
    shown = analyst.get(job_path, headers={"Accept-Language": "ko"})
    assert "실패" in shown.text and 'http-equiv="refresh"' not in shown.text
    assert re.search(r'id="job-error">the target failed', shown.text)
    listed = analyst.get("/api/v1/jobs", params={"state": "failed"}).json()
    assert [j["id"] for j in listed] == [job_id]
    assert analyst.get("/api/v1/jobs", params={"state": "asleep"}).status_code == 400
    assert analyst.get("/api/v1/jobs/424242").status_code == 404

    made = CliRunner().invoke(cli, ["--home", str(settings.home), "jobs", "list", "--json"])
    assert made.exit_code == 0, made.output
    [row] = [json.loads(line) for line in made.output.splitlines() if line.startswith("{")]
    assert row["id"] == job_id and row["state"] == "failed" and row["kind"] == "scan"
    table = CliRunner().invoke(cli, ["--home", str(settings.home), "jobs", "list"])
    assert table.exit_code == 0 and "the target failed" in table.output
    bad = CliRunner().invoke(cli, ["--home", str(settings.home), "jobs", "list", "--state", "x"])
    assert bad.exit_code == 2 and "states: queued" in bad.output


def test_the_api_queues_a_scan_for_an_analyst(server: Server) -> None:
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    body = {"target": "https://example.org/", "allow_hosts": ["10.0.0.0/8"]}
    made = analyst.http.post(
        "/api/v1/jobs/scans", json=body, headers={"X-CSRF-Token": analyst.csrf}
    )
    assert made.status_code == 201 and made.json()["state"] == "queued"
    bad = analyst.http.post(
        "/api/v1/jobs/scans",
        json={"target": "file:///etc/passwd"},
        headers={"X-CSRF-Token": analyst.csrf},
    )
    assert bad.status_code == 422
    auditor = server.sign_in(server.add("aud", Role.AUDITOR))
    assert [j["kind"] for j in auditor.get("/api/v1/jobs").json()] == ["scan"]
    refused = auditor.http.post(
        "/api/v1/jobs/scans", json=body, headers={"X-CSRF-Token": auditor.csrf}
    )
    assert refused.status_code == 403
