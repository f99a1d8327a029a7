"""Registering from the browser: uploads hashed in memory (nothing written under the home),
consent required and recorded for a case, entries listed by page, withdrawn for good
(audited), and hash lists exported and imported through the same services as ``haechi bank``."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select
from tests.web.conftest import Server

from haechi.members.model import Role
from haechi.settings import Settings
from haechi.store.review_models import RegistrationConsentRow
from haechi.testkit.hits import photo_bytes


def files_under(folder: os.PathLike[str]) -> set[str]:
    return {os.path.join(d, f) for d, _, names in os.walk(folder) for f in names}


def test_register_withdraw_export_import(server: Server, settings: Settings) -> None:
    liaison = server.sign_in(server.add("lia", Role.LIAISON))
    before = files_under(settings.home)
    photo = photo_bytes("coffee")
    files = [("files", ("victim-name.jpg", photo, "image/jpeg"))]
    fields = {"csrf_token": liaison.csrf, "bank": "victims", "case": "C-2026-7"}
    refused = liaison.http.post("/banks/register", data=fields, files=files)
    assert refused.status_code == 400 and "consent" in refused.text
    answer = liaison.http.post(
        "/banks/register", data={**fields, "consent": "yes", "label": "set 1"}, files=files
    )
    assert answer.status_code == 200, answer.text
    assert 'id="registered"' in answer.text and "victim-name" not in answer.text
    # Only the database and the audit trail changed: no upload was written to disk.
    new = files_under(settings.home) - before
    assert all(os.path.basename(p).startswith("haechi.db") or "keys" in p for p in new), new
    assert not any(photo[1000:1064] in Path(p).read_bytes() for p in files_under(settings.home))
    with server.db.session() as session:
        consent = session.scalars(select(RegistrationConsentRow)).one()
        assert consent.recorded_by == "lia" and consent.bank == "victims"
    entries = liaison.get("/api/v1/banks/victims/entries").json()["entries"]
    assert [e["case"] for e in entries] == ["C-2026-7"] and "pdq" in entries[0]["signals"]
    entry = entries[0]["entry"]
    assert f">{entry}<" in liaison.get("/banks/victims").text

    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    exported = analyst.get("/banks/victims/export?format=hma")
    assert exported.status_code == 200 and exported.text.startswith("pdq ")
    imported = analyst.http.post(
        "/banks/partner/import",
        data={"csrf_token": analyst.csrf},
        files=[("file", ("partner.txt", exported.content, "text/plain"))],
    )
    assert imported.status_code == 200, imported.text
    assert analyst.get("/api/v1/banks/partner/entries").json()["entries"] != []
    assert liaison.post("/banks/partner/import", {}).status_code == 403

    unconfirmed = liaison.post("/banks/victims/withdraw", {"entry": str(entry)})
    assert unconfirmed.status_code == 400
    gone = liaison.post("/banks/victims/withdraw", {"entry": str(entry), "confirm": "yes"})
    assert gone.status_code == 303
    assert liaison.get("/api/v1/banks/victims/entries").json()["entries"] == []
    admin = server.sign_in(server.add("ada", Role.ADMIN))
    kinds = [e["kind"] for e in admin.get("/api/v1/audit").json()["events"]]
    assert {"entries.registered", "entries.withdrawn", "bank.exported"} <= set(kinds)
    auditor = server.sign_in(server.add("aud", Role.AUDITOR))
    assert auditor.get("/banks").status_code == 403
