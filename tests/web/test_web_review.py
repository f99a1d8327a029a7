"""The reviewing pages and their JSON API over a real server: the queue, decisions, previews
from the evidence store (blurred, revealed once, refused to roles without media), the
auto-confirm policy, the hit page, and the dashboard's counts."""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from tests.web.conftest import Server, SignedInClient

from haechi.audit.trail import AuditKind
from haechi.members.model import Actor, Role
from haechi.settings import Settings
from haechi.testkit.hits import ReviewWorld, seed_review_world


@pytest.fixture
def world(server: Server, settings: Settings, tmp_path: Path) -> ReviewWorld:
    return seed_review_world(server.db, settings, tmp_path / "files", server.clock())


# The outline drawn over a hit's blurred preview: an SVG inside the preview's frame, after
# the image, with the box in percent of the frame.
FOUND_OUTLINE = (
    r'<span class="preview-frame"><img class="preview" src="/hits/%d/preview"[^>]*>'
    r'<svg class="found-region" viewBox="0 0 100 100" preserveAspectRatio="none"[^>]*>'
    r'<rect x="25.0" y="20.0" width="50.0" height="50.0"[^>]*/></svg></span></button>'
)


def audit_kinds(admin: SignedInClient) -> list[str]:
    return [e["kind"] for e in admin.get("/api/v1/audit").json()["events"]]


def test_queue_filters_sorts_and_pages(server: Server, world: ReviewWorld) -> None:
    reviewer = server.sign_in(server.add("rina", Role.REVIEWER))
    page = reviewer.get("/api/v1/hits", params={"per_page": 2}).json()
    assert [h["id"] for h in page["hits"]] == list(world.with_preview)
    assert page["has_next"] is True
    assert page["hits"][0]["sightings"] == 1 and page["hits"][0]["preview"] is True
    nxt = reviewer.get("/api/v1/hits", params={"per_page": 2, "page": 2}).json()
    assert [h["id"] for h in nxt["hits"]] == [world.without_preview]
    assert nxt["hits"][0]["preview"] is False
    by_distance = reviewer.get("/api/v1/hits", params={"sort": "distance", "order": "desc"}).json()
    assert by_distance["hits"][0]["distance"] == 28
    assert reviewer.get("/api/v1/hits", params={"bank": "none"}).json()["hits"] == []
    assert reviewer.get("/api/v1/hits", params={"sort": "label"}).status_code == 400
    html = reviewer.get("/review?sort=distance&order=desc").text
    assert html.index(f'id="hit-{world.without_preview}"') < html.index(
        f'id="hit-{world.with_preview[0]}"'
    )
    # The one hit without a capture shows its evidence alone, with no image at all.
    assert f"/hits/{world.without_preview}/preview" not in html
    # The region of the registered picture that matched is drawn for the local-feature hit.
    assert 'class="region"' in html
    # Where that picture lies in the found file is outlined inside the preview's own frame,
    # over the blurred image (no other image is named), and the JSON carries the box.
    assert re.search(FOUND_OUTLINE % world.with_preview[1], html)
    assert html.count('class="found-region"') == 1
    found = {h["id"]: h["found_region"] for h in page["hits"]}
    assert found == {world.with_preview[0]: None, world.with_preview[1]: [0.25, 0.2, 0.75, 0.7]}


def test_previews_are_blurred_revealed_once_and_refused_without_media(
    server: Server, world: ReviewWorld
) -> None:
    admin = server.sign_in(server.add("ada", Role.ADMIN))
    reviewer = server.sign_in(server.add("rina", Role.REVIEWER))
    hit = world.with_preview[0]
    assert reviewer.get("/api/v1/me/preview").json() == {"blur": 24}
    stronger = reviewer.http.put(
        "/api/v1/me/preview", json={"blur": 40}, headers={"X-CSRF-Token": reviewer.csrf}
    )
    assert stronger.status_code == 200 and reviewer.get("/api/v1/me/preview").json()["blur"] == 40
    blurred = reviewer.get(f"/hits/{hit}/preview")
    assert blurred.status_code == 200 and blurred.headers["cache-control"] == "no-store"
    assert Image.open(io.BytesIO(blurred.content)).mode == "L"  # greyscale
    page = reviewer.get("/review").text
    assert "reveal=" not in page
    granted = reviewer.send("POST", f"/api/v1/hits/{hit}/reveal")
    assert granted.status_code == 200, granted.text
    url = granted.json()["url"]
    clear = reviewer.get(url)
    assert clear.status_code == 200 and Image.open(io.BytesIO(clear.content)).mode == "RGB"
    assert reviewer.get(url).status_code == 403  # used up
    assert admin.get(url).status_code == 403
    assert AuditKind.PREVIEW_REVEALED.value in audit_kinds(admin)
    assert reviewer.get(f"/hits/{world.without_preview}/preview").status_code == 404
    for role in (Role.AUDITOR, Role.LIAISON, Role.PROBATION):
        other = server.sign_in(server.add(f"m-{role.value}", role))
        assert other.get(f"/hits/{hit}/preview").status_code == 403
        assert other.send("POST", f"/api/v1/hits/{hit}/reveal").status_code == 403


def test_decisions_policy_and_dashboard(server: Server, world: ReviewWorld) -> None:
    admin = server.sign_in(server.add("ada", Role.ADMIN))
    assert admin.get("/api/v1/dashboard").json()["awaiting_review"] == 3
    answer = admin.post(
        "/review",
        {"hit": str(world.with_preview[1]), "decision": "rejected", "back": "/review?page=1"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/review?page=1"
    assert admin.get("/api/v1/review/policy").json()["enabled"] is False
    too_wide = admin.http.put(
        "/api/v1/review/policy",
        json={"enabled": True, "max_pdq_distance": 20},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert too_wide.status_code == 400
    policy = admin.http.put(
        "/api/v1/review/policy",
        json={"enabled": True, "exact": True, "max_pdq_distance": 5},
        headers={"X-CSRF-Token": admin.csrf},
    ).json()
    assert policy["confirmed"] == [world.with_preview[0]]  # distance 4; 28 still waits
    assert admin.get("/api/v1/dashboard").json()["awaiting_review"] == 1
    view = admin.get(f"/api/v1/hits/{world.with_preview[0]}").json()
    assert view["review"] == "confirmed" and view["reviewed_by"] == "policy"
    kinds = audit_kinds(admin)
    assert {"hits.reviewed", "review_policy.set", "hits.auto_confirmed"} <= set(kinds)
    done = admin.http.post(
        "/api/v1/hits/review",
        json={"hits": [world.without_preview], "decision": "confirmed"},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert done.status_code == 200 and done.json()["decided"] == [world.without_preview]
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    assert analyst.get("/review/policy").status_code == 403
    auditor = server.sign_in(server.add("aud", Role.AUDITOR))
    assert auditor.post("/review", {"hit": "1", "decision": "confirmed"}).status_code == 403
    board = admin.get("/dashboard").text
    assert 'id="tile-review"' in board and 'href="/review"' in board


def test_hit_page_shows_evidence_and_downloads(server: Server, world: ReviewWorld) -> None:
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    hit = world.with_preview[1]
    page = analyst.get(f"/hits/{hit}")
    assert page.status_code == 200
    assert "https://board.example/media/1.jpg" in page.text and "reveal=" not in page.text
    assert 'id="warc"' in page.text
    assert re.search(FOUND_OUTLINE % hit, page.text)
    assert analyst.get(f"/api/v1/hits/{hit}").json()["found_region"] == [0.25, 0.2, 0.75, 0.7]
    warc = analyst.get(f"/hits/{hit}/capture.warc.gz")
    assert warc.status_code == 200 and gzip.decompress(warc.content).startswith(b"WARC/1.1")
    wacz = analyst.get(f"/hits/{hit}/evidence.wacz")
    assert wacz.status_code == 200, wacz.text
    # The JSON API gives the same files, through the same audited service.
    api_warc = analyst.get(f"/api/v1/hits/{hit}/capture.warc.gz")
    assert api_warc.status_code == 200 and api_warc.content == warc.content
    assert api_warc.headers["cache-control"] == "no-store"
    api_wacz = analyst.get(f"/api/v1/hits/{hit}/evidence.wacz")
    assert api_wacz.status_code == 200 and zipfile.is_zipfile(io.BytesIO(api_wacz.content))
    assert "evidence.exported" in audit_kinds(server.sign_in(server.add("ada", Role.ADMIN)))
    assert analyst.get("/hits/999999").status_code == 404
    reviewer = server.sign_in(server.add("rina", Role.REVIEWER))
    assert reviewer.get(f"/hits/{hit}/capture.warc.gz").status_code == 403
    assert reviewer.get(f"/api/v1/hits/{hit}/evidence.wacz").status_code == 403
    assert analyst.get("/api/v1/hits/999999/capture.warc.gz").status_code == 404


def test_the_command_line_sets_the_same_policy(
    server: Server, world: ReviewWorld, settings: Settings
) -> None:
    from typer.testing import CliRunner

    from haechi.cli import app

    home = str(settings.home)
    result = CliRunner().invoke(
        app, ["--home", home, "review", "policy", "--on", "--max-pdq-distance", "4", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip(), (result.stdout, result.stderr)
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["enabled"] is True and shown["confirmed"] == [world.with_preview[0]]
    admin = server.sign_in(server.add("ada", Role.ADMIN))
    assert admin.get("/api/v1/review/policy").json()["max_pdq_distance"] == 4


def test_the_policy_confirms_what_later_runs_find(
    server: Server, settings: Settings, tmp_path: Path
) -> None:
    """Set before the hits exist, the policy still confirms them once the server's scheduled
    run ends (here a watches run with none due), and leaves the uncertain one waiting."""
    from haechi.jobs.kinds import run_watches
    from haechi.review.policy import set_policy

    admin = server.add("ada", Role.ADMIN)
    actor = Actor(admin.id, admin.name, Role.ADMIN)
    with server.db.session() as session:
        _, confirmed = set_policy(
            session, actor, enabled=True, exact=True, max_pdq_distance=5, now=server.clock()
        )
    assert confirmed == []
    world = seed_review_world(server.db, settings, tmp_path / "files", server.clock())
    client = server.sign_in(admin)
    assert client.get("/api/v1/dashboard").json()["awaiting_review"] == 3
    run_watches(server.db, settings, {}, lambda done, total, text: None)
    for hit in world.with_preview:  # PDQ distances 4 and 5
        view = client.get(f"/api/v1/hits/{hit}").json()
        assert view["review"] == "confirmed" and view["reviewed_by"] == "policy"
    assert client.get(f"/api/v1/hits/{world.without_preview}").json()["review"] == "pending"
    assert client.get("/api/v1/dashboard").json()["awaiting_review"] == 1  # distance 28
