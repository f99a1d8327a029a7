"""Keys refused as they should be; feedback through review into the negative bank; refresh
under load without a failed request."""

from __future__ import annotations

import threading

import numpy as np

from haechi.members.model import Actor
from haechi.platform_api.feedback import decide, platform_stats
from haechi.platform_api.keys import list_keys, revoke_key
from haechi.platform_api.runtime import keys_changed
from haechi.store.platform_api_models import NegativeSignalRow
from tests.platform_api.conftest import ApiServer, fill_banks, flip


def test_missing_wrong_revoked_scoped_and_limited_keys(api_server: ApiServer) -> None:
    bank = fill_banks(api_server)
    params = {"signal_type": "pdq", "signal": bank.pdq[0]}
    missing = api_server.client().get("/api/v1/lookup", params=params)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    wrong = api_server.client("hk_not-a-key").get("/api/v1/lookup", params=params)
    assert wrong.status_code == 401

    key = api_server.key()
    http = api_server.client(key)
    assert http.get("/api/v1/lookup", params=params).status_code == 200
    db, settings = api_server.app.state.db, api_server.app.state.settings
    with db.session() as session:
        key_id = next(k.id for k in list_keys(session) if key.startswith(k.prefix))
        revoke_key(session, Actor.console(), key_id)
    keys_changed(settings)
    revoked = http.get("/api/v1/lookup", params=params)
    assert revoked.status_code == 403 and "revoked" in revoked.json()["detail"]

    lookup_only = api_server.client(api_server.key(scopes=("lookup",)))
    refused = lookup_only.post("/api/v1/lookup/image", content=b"x")
    assert refused.status_code == 403

    quota = api_server.client(api_server.key(daily_quota=3))
    answers = [quota.get("/api/v1/lookup", params=params).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    over = quota.get("/api/v1/lookup", params=params)
    assert int(over.headers["retry-after"]) > 0 and "quota" in over.json()["detail"]

    rate = api_server.client(api_server.key(rate_per_second=1))
    codes = [rate.get("/api/v1/lookup", params=params) for _ in range(5)]
    limited = [r for r in codes if r.status_code == 429]
    assert limited and all(int(r.headers["retry-after"]) >= 1 for r in limited)


def test_false_positive_reviewed_into_negative_bank_suppresses_the_match(
    api_server: ApiServer,
) -> None:
    bank = fill_banks(api_server)
    query = flip(bank.pdq[2], 8)
    params = {"signal_type": "pdq", "signal": query}
    one = api_server.client(api_server.key("pics"))
    other = api_server.client(api_server.key("boards"))
    match = one.get("/api/v1/lookup", params=params).json()["matches"][0]
    sent = one.post(
        "/api/v1/feedback",
        json={
            "match_id": match["match_id"],
            "verdict": "false_positive",
            "signal_type": "pdq",
            "signal": query,
            "note": "a cat",
        },
    )
    assert sent.status_code == 200 and sent.json()["state"] == "pending", sent.text
    assert other.get("/api/v1/lookup", params=params).json()["match"] is True  # not yet
    removed = one.post(
        "/api/v1/feedback",
        json={
            "match_id": bank.entries[5],
            "verdict": "removed",
            "signal_type": "pdq",
            "signal": bank.pdq[5],
        },
    )
    assert removed.status_code == 200
    unknown = one.post(
        "/api/v1/feedback",
        json={
            "match_id": 999_999,
            "verdict": "removed",
            "signal_type": "pdq",
            "signal": bank.pdq[5],
        },
    )
    assert unknown.status_code == 404

    db = api_server.app.state.db
    with db.session() as session:
        decide(session, Actor(None, "kim", None, "console"), sent.json()["id"], True)
    api_server.refreshed()
    for http in (one, other):  # suppressed for everyone
        assert http.get("/api/v1/lookup", params=params).json()["match"] is False
    still = other.get("/api/v1/lookup", params={"signal_type": "pdq", "signal": bank.pdq[3]})
    assert still.json()["match"] is True  # other entries still match
    api_server.app.state.platform_api.usage.flush()
    with db.session() as session:
        stats = {s.platform: s for s in platform_stats(session)}
    assert stats["pics"].removed == 1 and stats["pics"].false_positives == 1
    with db.session() as session:
        [negative] = session.query(NegativeSignalRow).all()
    assert (negative.entry_id, negative.signal) == (match["match_id"], query)
    assert (negative.reported_by, negative.confirmed_by) == ("pics", "kim")  # provenance kept
    assert stats["pics"].lookups >= 2


def test_index_refresh_under_load_fails_no_request(api_server: ApiServer) -> None:
    """Entries added while four clients look up without pause: the worker's own background
    refresh (every 10 s, no call from the test) brings them in within a minute, and not one
    lookup fails or misses a hash that was there all along."""
    import time

    from haechi.banks.model import NewEntry
    from haechi.hashing.signals import Signal, SignalKind
    from haechi.platform_api.holder import REFRESH_SECONDS
    from haechi.store.banks import BankStore

    bank = fill_banks(api_server)
    key = api_server.key(rate_per_second=100_000, daily_quota=10**9)
    failures: list[int] = []
    answered = [0]
    done = threading.Event()

    def hammer(signal: str) -> None:
        http = api_server.client(key)
        while not done.is_set():
            got = http.get("/api/v1/lookup", params={"signal_type": "pdq", "signal": signal})
            if got.status_code != 200 or not got.json()["match"]:
                failures.append(got.status_code)
            answered[0] += 1

    workers = [threading.Thread(target=hammer, args=(bank.pdq[k],)) for k in range(4)]
    for worker in workers:
        worker.start()
    holder = api_server.app.state.platform_api.holder
    before = holder.current.fingerprint
    check = api_server.client(key)
    try:
        for round_ in range(2):
            new = flip(bank.pdq[9], 100 + round_)
            with api_server.app.state.db.session() as session:
                BankStore(session).add_entries(
                    "victims-seoul", [NewEntry((Signal(SignalKind.PDQ, new, 100),))]
                )
            deadline = time.monotonic() + 60  # the promise: within a minute
            params = {"signal_type": "pdq", "signal": new}
            while not check.get("/api/v1/lookup", params=params).json()["match"]:
                assert time.monotonic() < deadline, f"not refreshed (every {REFRESH_SECONDS} s)"
                time.sleep(0.2)
        assert holder.current.fingerprint != before
        assert isinstance(holder.current.row_entry, np.memmap)  # mapped, not copied
    finally:
        done.set()
        for worker in workers:
            worker.join()
    assert failures == [] and answered[0] > 0
