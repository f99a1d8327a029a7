"""The public page on the real server: no sign-in, only the reports an admin published, in the
reader's language, with the signed files to download; analysts make reports, admins publish."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest

from haechi.members.model import Role
from haechi.testkit.team import ManualClock
from haechi.web import create_app
from tests.transparency.world import VICTIMS, World, at
from tests.web.conftest import Server
from tests.web.serving import serving


@pytest.fixture
def server(world: World) -> Iterator[Server]:
    clock = ManualClock(at("2027-01-05"))
    app = create_app(world.settings, clock=clock)
    with serving(app) as url:
        running = Server(url, clock, app.state.db)
        try:
            yield running
        finally:
            for client in running.clients:
                client.close()


def test_only_published_reports_are_public(server: Server) -> None:
    public = server.client()
    assert "/transparency/" not in public.get("/transparency").text
    analyst = server.sign_in(server.add("p-analyst", Role.ANALYST))
    admin = server.sign_in(server.add("p-admin", Role.ADMIN))
    for period in ("2026-Q4", "2026-10"):
        made = analyst.post("/transparency-reports", {"period": period})
        assert made.status_code == 303, made.text
    listing = analyst.get("/transparency-reports")
    assert listing.status_code == 200 and listing.text.count("data-report=") == 2
    assert public.get("/transparency/2026-Q4").status_code == 404  # made, not published
    assert public.get("/transparency/2026-Q4/report.en.html").status_code == 404
    ids = {p: i for i, p in ((2, "2026-10"), (1, "2026-Q4"))}
    assert analyst.post(f"/transparency-reports/{ids['2026-Q4']}/publish").status_code == 403
    assert admin.post(f"/transparency-reports/{ids['2026-Q4']}/publish").status_code == 303

    index = public.get("/transparency")
    assert index.status_code == 200
    assert 'href="/transparency/2026-Q4"' in index.text and "2026-10" not in index.text
    assert public.get("/transparency/2026-10").status_code == 404
    english = public.get("/transparency/2026-Q4", headers={"Accept-Language": "en"})
    assert english.status_code == 200
    assert "Share never removed" in english.text and 'data-platform="vidhub"' in english.text
    korean = public.get("/transparency/2026-Q4", headers={"Accept-Language": "ko"})
    assert "삭제되지 않은 비율" in korean.text and "<svg" in korean.text
    for secret in [*VICTIMS, *VICTIMS.values(), "vid-hub.example", "pics-share.example"]:
        assert secret not in english.text + korean.text
    manifest = public.get("/transparency/2026-Q4/manifest.json")
    assert manifest.status_code == 200 and "attachment" in manifest.headers["content-disposition"]
    files = json.loads(manifest.content)["credentialSubject"]["files"]
    for name, digest in files.items():
        got = public.get(f"/transparency/2026-Q4/{name}")
        assert got.status_code == 200, name
        assert hashlib.sha256(got.content).hexdigest() == digest, name
    assert public.get("/transparency/2026-Q4/%2E%2E%2Fhaechi.db").status_code in (404, 422)

    # The JSON twin: the same published reports, the figures as the signed report.json.
    listed = public.get("/api/v1/transparency").json()["reports"]
    assert [r["period"] for r in listed] == ["2026-Q4"] and "made_by" not in listed[0]
    assert files.items() <= listed[0]["files"].items() and "manifest.json" in listed[0]["files"]
    assert listed[0]["figures"] == "/api/v1/transparency/2026-Q4"
    figures = public.get("/api/v1/transparency/2026-q4")
    assert figures.status_code == 200 and figures.headers["content-type"] == "application/json"
    assert hashlib.sha256(figures.content).hexdigest() == files["report.json"]
    assert figures.json()["period"] == "2026-Q4"
    assert public.get("/api/v1/transparency/2026-10").status_code == 404  # not published

    assert admin.post(f"/transparency-reports/{ids['2026-Q4']}/withdraw").status_code == 303
    assert public.get("/transparency/2026-Q4").status_code == 404
    assert public.get("/api/v1/transparency").json() == {"reports": []}
    assert public.get("/api/v1/transparency/2026-Q4").status_code == 404
    refused = analyst.post("/transparency-reports", {"period": "2026-Q7"})
    assert refused.status_code == 400 and "is not a year" in refused.text
