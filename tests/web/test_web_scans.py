"""Scans and watches from the browser: pasted URLs and uploaded exports become queued scans
of a file the server wrote for itself (unsafe archives refused), watches are scheduled and
show their history and last error."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.web.conftest import Server

from haechi.jobs import service as jobs
from haechi.members.model import Role
from haechi.settings import Settings


def test_scan_uploads_and_watches(server: Server, settings: Settings) -> None:
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    pasted = analyst.http.post(
        "/scans/upload",
        data={"csrf_token": analyst.csrf, "urls": "https://a.example/1\nhttps://b.example/2\n"},
        files=[("file", ("", b"", "application/octet-stream"))],
    )
    assert pasted.status_code == 303, pasted.text
    job_id = int(pasted.headers["location"].rsplit("/", 1)[1])
    with server.db.session() as session:
        args = jobs.get_job(session, job_id).args
    listed = Path(args["target"])
    assert listed.read_text().splitlines() == ["https://a.example/1", "https://b.example/2"]
    assert listed.parent.parent == settings.home / "uploads"

    export = io.BytesIO()
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("ChatExport/result.json", json.dumps({"messages": []}))
    answer = analyst.http.post(
        "/api/v1/scans/uploads",
        data={"allow_hosts": ""},
        files=[("file", ("export.zip", export.getvalue(), "application/zip"))],
        headers={"X-CSRF-Token": analyst.csrf},
    )
    assert answer.status_code == 201, answer.text
    assert Path(answer.json()["args"]["target"]).name == "ChatExport"

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape/result.json", "{}")
    refused = analyst.http.post(
        "/scans/upload",
        data={"csrf_token": analyst.csrf},
        files=[("file", ("evil.zip", evil.getvalue(), "application/zip"))],
    )
    assert refused.status_code == 400 and "unsafe name" in refused.text
    assert not (settings.home / "escape").exists()
    bad_url = analyst.http.post(
        "/scans/upload",
        data={"csrf_token": analyst.csrf, "urls": "file:///etc/passwd"},
        files=[("file", ("", b"", "application/octet-stream"))],
    )
    assert bad_url.status_code == 400

    added = analyst.post("/watches", {"target": "https://board.example/", "every": "6h"})
    assert added.status_code == 303
    watch = analyst.get("/api/v1/watches").json()[0]
    assert watch["every_seconds"] == 6 * 3600
    page = analyst.get(f"/watches/{watch['id']}")
    assert page.status_code == 200 and 'id="history"' in page.text
    assert analyst.post("/watches", {"target": "/etc", "every": "6h"}).status_code == 400
    auditor = server.sign_in(server.add("aud", Role.AUDITOR))
    assert auditor.get(f"/watches/{watch['id']}").status_code == 200
    assert auditor.post("/watches", {"target": "https://x.example/"}).status_code == 403
