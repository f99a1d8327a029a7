"""What the team hands outsiders, over a real server: the redacted bundle for a hit and for a
notice (audited, refused to roles without evidence), the hit page's "who can act" box (shown
from what was kept, looked up only by a POST), ``/api/v1/route`` and drafting with routing,
against the recorded registries on 127.0.0.1."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.routing.rdapkit import Registry, serve_registry
from tests.web.conftest import Server, SignedInClient

from haechi.members.model import Role
from haechi.settings import Settings
from haechi.testkit.hits import ReviewWorld, photo_bytes, seed_hit, seed_review_world

ABROAD = "http://62.239.237.1/media/9.jpg"  # a literal address: no DNS; RIPE's answer is recorded


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    with serve_registry() as served:
        monkeypatch.setenv("HAECHI_ROUTING_BOOTSTRAP_URL", served.bootstrap_url)
        monkeypatch.setenv("HAECHI_ROUTING_MIN_INTERVAL", "0")
        yield served


@pytest.fixture
def world(server: Server, settings: Settings, tmp_path: Path) -> tuple[ReviewWorld, int]:
    seeded = seed_review_world(server.db, settings, tmp_path / "files", server.clock())
    abroad = seed_hit(
        server.db,
        settings,
        tmp_path / "files",
        entry=seeded.entry,
        data=photo_bytes("rocket"),
        location=ABROAD,
        now=server.clock(),
    )
    return seeded, abroad


def bundle_exports(admin: SignedInClient) -> list[dict[str, object]]:
    events = admin.get("/api/v1/audit").json()["events"]
    return [
        e["detail"]
        for e in events
        if e["kind"] == "evidence.exported" and e["detail"].get("format") == "platform-bundle"
    ]


def test_bundles_for_a_hit_and_a_notice(
    server: Server, world: tuple[ReviewWorld, int], registry: Registry
) -> None:
    seeded, abroad = world
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    hit = seeded.with_preview[0]
    assert 'id="bundle"' in analyst.get(f"/hits/{hit}").text
    answer = analyst.get(f"/hits/{hit}/bundle.zip")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert answer.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        names = set(archive.namelist())
    assert {f"hit-{hit}/evidence.wacz", f"hit-{hit}/redaction.json"} <= names
    assert analyst.get(f"/hits/{seeded.without_preview}/bundle.zip").status_code == 409

    reviewer = server.sign_in(server.add("rina", Role.REVIEWER))
    assert reviewer.get(f"/hits/{hit}/bundle.zip").status_code == 403
    assert 'id="bundle"' not in reviewer.get(f"/hits/{hit}").text

    # A notice drafted with routing (the notices page's option) goes with its own bundle.
    assert reviewer.post("/review", {"hit": str(abroad), "decision": "confirmed"}).status_code
    drafted = analyst.post("/notices/draft", {"route": "1"})
    assert drafted.status_code == 303, drafted.text
    notices = analyst.get("/api/v1/notices").json()["items"]
    notice = next(n for n in notices if n["platform"].startswith("abuse-"))
    assert 'id="bundle"' in analyst.get(f"/notices/{notice['id']}").text
    answer = analyst.get(f"/notices/{notice['id']}/bundle.zip")
    assert answer.status_code == 200, answer.text
    stem = f"notice-{notice['id']}-{notice['platform']}"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert f"{stem}/evidence.wacz" in archive.namelist()
    assert analyst.get("/notices/99999/bundle.zip").status_code == 404

    admin = server.sign_in(server.add("ada", Role.ADMIN))
    exports = bundle_exports(admin)
    assert len(exports) == 2 and all("sha256" in e and "redacted" in e for e in exports)


def test_who_can_act_is_shown_kept_and_looked_up_on_purpose(
    server: Server, world: tuple[ReviewWorld, int], registry: Registry
) -> None:
    _, abroad = world
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    page = analyst.get(f"/hits/{abroad}").text
    assert 'id="route-none"' in page and 'id="route-form"' in page
    assert sum(registry.hits.values()) == 0  # viewing asks no one
    auditor = server.sign_in(server.add("aud", Role.AUDITOR))
    kept = auditor.get("/api/v1/route", params={"url": ABROAD}).json()
    assert kept["route"] is None

    looked = analyst.post(f"/hits/{abroad}/route")
    assert looked.status_code == 303 and looked.headers["location"] == f"/hits/{abroad}#route"
    asked = sum(registry.hits.values())
    assert asked > 0
    page = analyst.get(f"/hits/{abroad}").text
    assert 'id="route-channel">호스팅 업체<' in page and "zzdnsr@bt.com" in page
    kept = auditor.get("/api/v1/route", params={"url": "http://62.239.237.1/other"}).json()
    assert kept["route"]["channel"] == "host" and kept["route"]["country"] == "GB"
    assert kept["saved_at"] and sum(registry.hits.values()) == asked

    assert 'id="route-form"' not in auditor.get(f"/hits/{abroad}").text
    assert auditor.post(f"/hits/{abroad}/route").status_code == 403
    assert auditor.http.post("/api/v1/route", json={"url": ABROAD}).status_code == 403

    api = analyst.http.post(
        "/api/v1/route",
        json={"url": "http://127.0.0.1/x.jpg"},
        headers={"X-CSRF-Token": analyst.csrf},
    )
    assert api.status_code == 200 and api.json()["route"]["private"] is True
    assert sum(registry.hits.values()) == asked  # a private address is never looked up
    bad = analyst.http.post(
        "/api/v1/route", json={"url": "ftp://x"}, headers={"X-CSRF-Token": analyst.csrf}
    )
    assert bad.status_code == 422
    assert auditor.get("/api/v1/route", params={"url": "nonsense"}).status_code == 422


def test_the_personal_page_keeps_her_school_and_workplace(server: Server) -> None:
    from haechi.cases.personal import open_case
    from haechi.members.model import Actor

    with server.db.session() as session:
        open_case(session, Actor.console(), "C-31", None, now=server.clock())
    liaison = server.sign_in(server.add("lia", Role.LIAISON))
    answer = liaison.post(
        "/cases/C-31/personal",
        {"name": "윤하늘", "school": "별빛여자고등학교", "workplace": "해치물산"},
    )
    assert answer.status_code == 303, answer.text
    page = liaison.get("/cases/C-31/personal").text
    assert 'id="personal-school">별빛여자고등학교<' in page
    assert 'id="personal-workplace">해치물산<' in page and 'name="school"' in page
    shown = liaison.get("/api/v1/cases/C-31/personal").json()["personal"]
    assert (shown["school"], shown["workplace"]) == ("별빛여자고등학교", "해치물산")
