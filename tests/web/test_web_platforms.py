"""The platform directory in the browser and as JSON: the starter list shown with its
placeholders, an analyst adding and changing entries, an auditor only reading, and bad entries
refused with the reason."""

from __future__ import annotations

import httpx
from tests.web.conftest import Server, SignedInClient

from haechi.members.model import Role
from haechi.notices.directory import get_platform
from haechi.notices.platforms import starter_platforms
from haechi.store.notices import PlatformStore


def _api(who: SignedInClient, method: str, path: str, body: dict[str, object]) -> httpx.Response:
    return who.http.request(method, path, json=body, headers={"X-CSRF-Token": who.csrf})


def test_platform_directory_pages_and_api(server: Server) -> None:
    starter = starter_platforms()
    with server.db.session() as session:
        PlatformStore(session).save(starter, server.clock())
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    auditor = server.sign_in(server.add("aud", Role.AUDITOR))

    page = auditor.get("/platforms", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert starter[0].title in page.text and "Placeholder: never sent to" in page.text
    assert 'href="/platforms"' in page.text and 'id="platform-add"' not in page.text
    assert auditor.get(f"/platforms/{starter[0].name}").status_code == 200
    assert auditor.post("/platforms", {"name": "x", "domains": "x.example"}).status_code == 403
    refused = _api(auditor, "PATCH", f"/api/v1/platforms/{starter[0].name}", {"notes": "x"})
    assert refused.status_code == 403
    listed = auditor.get("/api/v1/platforms").json()
    assert {p["name"]: p["placeholder"] for p in listed} == {p.name: p.placeholder for p in starter}

    # The page: add, then change (the contact checked, so no longer a placeholder).
    added = analyst.post(
        "/platforms",
        {
            "name": "pics",
            "title": "Pics",
            "domains": "pics.example\nimg.example",
            "email": "abuse@pics.example",
            "country": "US",
            "language": "en",
            "answers": "on",
        },
    )
    assert added.status_code == 303 and added.headers["location"] == "/platforms/pics"
    changed = analyst.post(
        "/platforms/pics",
        {
            "title": "Pics Inc",
            "domains": "pics.example",
            "web_form": "https://pics.example/report",
            "country": "US",
            "language": "ko",
            "kind": "host",
        },
    )
    assert changed.status_code == 303
    pics = get_platform(server.db, "pics")
    assert (pics.title, pics.domains, pics.language) == ("Pics Inc", ("pics.example",), "ko")
    assert pics.email is None and pics.web_form == "https://pics.example/report"
    row = next(r for r in analyst.get("/api/v1/platforms").json() if r["name"] == "pics")
    assert row["channel"] == "web_form" and row["overseas"] is True

    # The API: add, then PATCH and PUT.
    made = _api(
        analyst,
        "POST",
        "/api/v1/platforms",
        {"name": "clips", "domains": ["clips.example"], "email": "a@clips.example"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["overseas"] is False and made.json()["channel"] == "email"
    for method in ("PATCH", "PUT"):
        edited = _api(analyst, method, "/api/v1/platforms/clips", {"notes": method})
        assert edited.status_code == 200 and edited.json()["notes"] == method

    # Bad entries: the reason, never a crash; nothing saved.
    no_domain = analyst.post("/platforms", {"name": "nodom", "email": "a@nodom.example"})
    assert no_domain.status_code == 422 and "at least one domain" in no_domain.text
    bad_mail = _api(
        analyst,
        "POST",
        "/api/v1/platforms",
        {"name": "bad", "domains": ["bad.example"], "email": "nobody"},
    )
    assert bad_mail.status_code == 422 and "not an address" in bad_mail.json()["detail"]
    taken = _api(analyst, "PATCH", "/api/v1/platforms/clips", {"domains": ["pics.example"]})
    assert taken.status_code == 422 and "already belongs to pics" in taken.json()["detail"]
    unknown = _api(analyst, "PATCH", "/api/v1/platforms/nope", {"notes": "x"})
    assert unknown.status_code == 404
    names = {p["name"] for p in analyst.get("/api/v1/platforms").json()}
    assert {"nodom", "bad"}.isdisjoint(names)
