"""Per-key counts (never contents), last use, and the flag for far more distinct hashes than a
platform's uploads warrant."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from haechi.audit.trail import AuditKind
from haechi.platform_api.keys import list_keys
from haechi.store.member_models import AuditRow
from haechi.store.platform_api_models import ApiKeyUsageRow
from tests.platform_api.conftest import ApiServer, fill_banks, random_hex


def test_counts_last_use_and_the_distinct_hash_flag(api_server: ApiServer) -> None:
    bank = fill_banks(api_server)
    rng = np.random.default_rng(21)
    # A platform that says it takes 50 uploads a day: flagged past max(1,000, 10 x 50).
    crawler = api_server.client(
        api_server.key("crawler", expected_daily=50, daily_quota=10**6, rate_per_second=1000)
    )
    honest = api_server.client(api_server.key("pics", expected_daily=50))
    for _ in range(2):
        signals = [random_hex(rng) for _ in range(1000)]
        got = crawler.post("/api/v1/lookup/batch", json={"signal_type": "pdq", "signals": signals})
        assert got.status_code == 200, got.text
    for signal in bank.pdq[:3]:
        assert honest.get("/api/v1/lookup", params={"signal_type": "pdq", "signal": signal}).json()[
            "match"
        ]
    api_server.app.state.platform_api.usage.flush()

    db = api_server.app.state.db
    with db.session() as session:
        keys = {k.platform: k for k in list_keys(session)}
        usage = {row.key_id: row for row in session.scalars(select(ApiKeyUsageRow)).all()}
        flagged = session.scalars(
            select(AuditRow).where(AuditRow.kind == AuditKind.API_KEY_FLAGGED.value)
        ).all()
    crawl, pics = keys["crawler"], keys["pics"]
    assert crawl.flagged_at is not None and "distinct hashes" in (crawl.flag_reason or "")
    assert pics.flagged_at is None
    assert [(a.subject_id, a.subject_name) for a in flagged] == [(crawl.id, "crawler")]
    assert crawl.last_used_at is not None and pics.last_used_at is not None
    assert (usage[crawl.id].requests, usage[crawl.id].lookups) == (2, 2000)
    assert (usage[pics.id].requests, usage[pics.id].lookups, usage[pics.id].matches) == (3, 3, 3)
    # Counts and a sketch, never the hashes: no stored byte string holds a looked-up hash.
    sketch = usage[pics.id].distinct_sketch
    assert all(bytes.fromhex(h) not in sketch for h in bank.pdq[:3])
