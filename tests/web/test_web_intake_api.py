"""The intake's public JSON API over a real server: open to every site (CORS, cross-site posts)
but guarded as the pages are (a challenge good once, a one-time link spent, rate limits per
address, every hash checked); the team's own API stays closed to other sites."""

from __future__ import annotations

import pytest
from tests.intake.test_intake_service import PDQ_B, image, solve
from tests.web.conftest import Server

from haechi.members.model import Role

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
