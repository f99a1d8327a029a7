"""The intake's public JSON API over a real server: open to every site (CORS, cross-site posts)
but guarded as the pages are (a challenge good once, a one-time link spent, rate limits per
address, every hash checked); the team's own API stays closed to other sites."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.intake.test_intake_service import PDQ_B, image, solve
from tests.notices.world import DIRECTORY
from tests.web.conftest import Server

from haechi.members.model import Role
from haechi.notices import Decision, Desk, NoticeConfig, decide, draft_notices, parse_platforms
from haechi.notices.sending import Mark, approve, mark
from haechi.scan.model import MatchDetail, Sighting
from haechi.store.banks import BankStore
from haechi.store.notices import PlatformStore
from haechi.store.scans import ScanStore

PARTNER = {"Origin": "https://partner.example", "Sec-Fetch-Site": "cross-site"}


@pytest.fixture(autouse=True)
def light_proof_of_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAECHI_INTAKE_POW_BITS", "8")


def test_partners_register_as_the_page_does(server: Server) -> None:
    http = server.client(**PARTNER)
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x"}
    asked = http.options("/api/v1/intake/submissions", headers=preflight)
    assert asked.status_code == 204
    assert asked.headers["access-control-allow-origin"] == "*"
    assert "content-type" in asked.headers["access-control-allow-headers"].lower()

    given = http.post("/api/v1/intake/challenge")
    assert given.status_code == 200 and given.headers["access-control-allow-origin"] == "*"
    challenge, bits = given.json()["challenge"], given.json()["bits"]
    assert bits == 8
    video = {"kind": "video", "md5": "a" * 32, "sha256": "b" * 64, "frames": None}
    body = {
        "items": [image(1), image(2), image(3, PDQ_B, quality=20), video],
        "choices": ["notify", "share"],
        "challenge": challenge,
        "nonce": solve(challenge, bits),
    }
    done = http.post("/api/v1/intake/submissions", json=body)
    assert done.status_code == 201, done.text
    kit = done.json()
    assert kit["case_number"].startswith("HC-") and len(kit["recovery_phrase"]) == 24
    assert (kit["entries"], kit["folded"]) == (3, 1)  # the same picture twice folds
    codes = {n["file"]: n["code"] for n in kit["notes"]}
    assert codes == {2: "folded", 3: "low-quality", 4: "video-unreadable"}

    again = http.post("/api/v1/intake/submissions", json=body)
    assert again.status_code == 403 and "challenge" in again.json()["detail"]  # good once
    assert again.headers["access-control-allow-origin"] == "*"  # errors are readable too
    bad = {**body, "items": [{**image(3), "pdq": "zz"}]}
    assert http.post("/api/v1/intake/submissions", json=bad).status_code == 422
    many = {**body, "items": [image(n) for n in range(51)]}
    assert http.post("/api/v1/intake/submissions", json=many).status_code == 422
    unproven = {**body, "challenge": "", "nonce": ""}
    assert http.post("/api/v1/intake/submissions", json=unproven).status_code == 403
    # Ten submissions an hour from one address, counted whether they hold or not (malformed
    # bodies are refused before they count).
    answers = [http.post("/api/v1/intake/submissions", json=unproven) for _ in range(9)]
    assert [a.status_code for a in answers] == [403] * 7 + [429] * 2

    # The team's API stays closed to other sites, and its answers are not shared with them.
    liaison = server.sign_in(server.add("centre-kim", Role.LIAISON))
    foreign = liaison.http.post(
        "/api/v1/intakes/links", json={}, headers={**PARTNER, "X-CSRF-Token": liaison.csrf}
    )
    assert foreign.status_code == 403
    assert "access-control-allow-origin" not in foreign.headers


def test_a_one_time_link_replaces_the_proof_of_work(server: Server) -> None:
    liaison = server.sign_in(server.add("centre-lee", Role.LIAISON))
    made = liaison.http.post(
        "/api/v1/intakes/links", json={}, headers={"X-CSRF-Token": liaison.csrf}
    )
    assert made.status_code == 201, made.text
    token = made.json()["url"].rsplit("/", 1)[1]
    http = server.client(**PARTNER)
    body = {"items": [image(7)], "link": token}
    assert http.post("/api/v1/intake/submissions", json=body).status_code == 201
    spent = http.post("/api/v1/intake/submissions", json=body)
    assert spent.status_code == 403 and "link" in spent.json()["detail"]


def test_status_page_gives_counts_and_dates_never_a_location(server: Server) -> None:
    """Found (not counting a hit a reviewer rejected), reported (a notice was sent), removed
    and still online, each with its last date, on the page she reaches with her phrase; no
    link, address or image of what was found."""
    http = server.client()
    given = http.post("/api/v1/intake/challenge").json()
    body = {
        "items": [image(1), image(2, PDQ_B)],
        "choices": ["notify"],
        "challenge": given["challenge"],
        "nonce": solve(given["challenge"], given["bits"]),
    }
    kit = http.post("/api/v1/intake/submissions", json=body).json()
    urls = [
        "http://127.0.0.1/img/first.jpg",
        "http://localhost/img/second.jpg",
        "http://127.0.0.1/img/not-her.jpg",
    ]
    with server.db.session() as session:
        entries = list(BankStore(session).entries("intake-pending"))
        PlatformStore(session).save(parse_platforms(DIRECTORY), server.clock())
        scans = ScanStore(session)
        scan = scans.start("test", "url-list")
        hits = [
            scans.add_hit(
                scan, entries[n % 2].id, MatchDetail("pdq", 3), f"{n:064x}", Sighting(url, "web")
            )
            for n, url in enumerate(urls)
        ]
    ids = [h.id for h in hits if h is not None]
    desk = Desk(server.db, NoticeConfig(organisation="Test centre"), server.clock)
    decide(desk, ids[:2], Decision.CONFIRMED, "reviewer-1")
    decide(desk, ids[2:], Decision.REJECTED, "reviewer-1")  # not a copy of hers: not counted
    notices = draft_notices(desk).notices
    assert len(notices) == 2  # one to each platform
    approve(desk, [n.id for n in notices])
    reported_on = server.clock.advance(timedelta(days=1))
    for notice in notices:
        mark(desk, notice.id, Mark.SUBMITTED)
    removed_on = server.clock.advance(timedelta(days=2))
    mark(desk, notices[0].id, Mark.REMOVED)

    page = http.post(
        "/intake/recover", data={"number": kit["case_number"], "phrase": kit["recovery_phrase"]}
    )
    assert page.status_code == 200, page.text
    counts = {
        name: re.search(rf'id="count-{name}">(\d+)<', page.text)
        for name in ("found", "reported", "removed", "online")
    }
    assert {k: int(m.group(1)) for k, m in counts.items() if m} == {
        "found": 2,
        "reported": 2,
        "removed": 1,
        "online": 1,
    }
    assert f"{reported_on:%Y-%m-%d}" in page.text and f"{removed_on:%Y-%m-%d}" in page.text
    for url in urls:
        assert url not in page.text and url.rsplit("/", 1)[1] not in page.text
    assert "127.0.0.1" not in page.text and "localhost" not in page.text
    assert "<img" not in page.text
