"""The platform API's team pages over a real server: an admin makes a key (shown once), a
platform uses it and reports a false positive, a reviewer sees where the entry came from and
accepts it, the match stops for the platform, statistics count it, and the key is revoked."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

from tests.conftest import photo
from tests.web.conftest import Server

from haechi.hashing.media import hash_bytes
from haechi.members.model import Actor, Role
from haechi.platform_api.sharing import share_bank
from haechi.review.register import Upload, register_uploads
from haechi.settings import Settings
from haechi.testkit.team import TeamMember

SECRET = re.compile(r"hk_[A-Za-z0-9_-]{20,}")


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    photo(seed, (400, 300)).save(out, "PNG")
    return out.getvalue()


def test_keys_queue_and_statistics_pages(
    server: Server, settings: Settings, team: Callable[..., TeamMember]
) -> None:
    data = _png(4)
    with server.db.session() as session:
        register_uploads(
            session,
            settings,
            Actor(None, "mina", Role.ANALYST),
            "victims",
            [Upload("a.png", data)],
            now=server.clock(),
        )
        share_bank(session, Actor.console(), "victims", "KR-NCII")
    pdq = hash_bytes(data).pdq
    assert pdq is not None

    admin = server.sign_in(team("ada", Role.ADMIN))
    assert "아직 만든 키가 없습니다." in admin.get("/platform-api/keys").text  # Korean by default
    made = admin.post(
        "/platform-api/keys",
        {"platform": "pics.example", "scope": "lookup", "rate": "100", "quota": "1000"},
    )
    assert made.status_code == 201, made.text
    [secret] = SECRET.findall(made.text)
    again = admin.get("/platform-api/keys")
    assert secret not in again.text and secret[:9] in again.text  # shown once; its prefix stays
    assert "pics.example" in again.text and made.headers["cache-control"] == "no-store"
    refused = admin.post("/platform-api/keys", {"platform": "x", "scope": "everything"})
    assert refused.status_code == 400 and "unknown scope" in refused.text

    platform = server.client(**{"X-API-Key": secret})
    params = {"signal_type": "pdq", "signal": pdq.hex}
    assert platform.get("/api/v1/lookup", params=params).json()["match"] is True
    no_feedback = platform.post("/api/v1/feedback", json={})
    assert no_feedback.status_code == 403  # this key was made without the feedback scope

    # Feedback goes with a key that may give it (made through the same form).
    fb_page = admin.post("/platform-api/keys", {"platform": "pics.example", "scope": "feedback"})
    [fb_secret] = SECRET.findall(fb_page.text)
    match_id = platform.get("/api/v1/lookup", params=params).json()["matches"][0]["match_id"]
    sent = server.client(**{"X-API-Key": fb_secret}).post(
        "/api/v1/feedback",
        json={
            "match_id": match_id,
            "verdict": "false_positive",
            "signal_type": "pdq",
            "signal": pdq.hex,
            "note": "a landscape",
        },
    )
    assert sent.status_code == 200, sent.text

    reviewer = server.sign_in(team("rhee", Role.REVIEWER))
    queue = reviewer.get("/platform-api/feedback", headers={"Accept-Language": "en"})
    row = queue.text[queue.text.index(f'id="fp-{sent.json()["id"]}"') :]
    assert "pics.example" in row and "victims" in row and "by mina" in row
    assert "a landscape" in row and "Accept: not a match" in row
    assert "신고된 오탐" in reviewer.get("/platform-api/feedback").text
    assert reviewer.get("/platform-api/keys").status_code == 403  # keys are admins' only
    accepted = reviewer.post(f"/platform-api/feedback/{sent.json()['id']}/accept")
    assert accepted.status_code == 303
    decided = reviewer.get("/platform-api/feedback", headers={"Accept-Language": "en"}).text
    assert "accepted into the negative bank" in decided and "rhee" in decided
    again_decided = reviewer.post(f"/platform-api/feedback/{sent.json()['id']}/reject")
    assert again_decided.status_code == 400  # decided already: said, not crashed

    deadline = time.monotonic() + 120  # the worker's index refresh picks the negative bank up
    while platform.get("/api/v1/lookup", params=params).json()["match"]:
        assert time.monotonic() < deadline, "the accepted false positive still matches"
        time.sleep(0.5)

    stats = admin.get("/platform-api/stats", headers={"Accept-Language": "en"})
    assert stats.status_code == 200 and "pics.example" in stats.text
    assert 'class="false-positives">1<' in stats.text

    key_id = re.search(r'id="key-(\d+)"', again.text)
    assert key_id is not None
    assert admin.post(f"/platform-api/keys/{key_id.group(1)}/revoke").status_code == 303
    assert platform.get("/api/v1/lookup", params=params).status_code == 403
