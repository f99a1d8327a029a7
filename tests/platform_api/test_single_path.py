"""Single GET lookups answered without FastAPI give exactly the routes' answers.

Each call is sent twice to a real server: as written (the plain path answers a well-formed
one) and with one parameter repeated with the same value, which the plain path leaves to the
FastAPI route (Starlette reads the last value, so the route sees the same call). Status, body
and the headers a client acts on must be the same, for matches, misses, bad hashes and every
kind of refused key; then a rate limit and a quota are hit through the plain path alone.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import numpy as np
import pytest

from haechi.members.model import Actor
from haechi.platform_api.answering import SingleLookups
from haechi.platform_api.keys import revoke_key
from tests.platform_api.conftest import ApiServer, fill_banks, flip, random_hex

HEADERS = ("content-type", "retry-after", "www-authenticate", "x-content-type-options")


def _plain(path: str, query: str) -> bool:
    """Whether the plain path takes this call (its check reads the call only, not the API)."""
    scope = {"path": path, "method": "GET", "query_string": query.encode()}
    return SingleLookups(None).handles(scope) is not None  # type: ignore[arg-type]


def _seen(got: httpx.Response) -> tuple[int, Any, dict[str, str | None]]:
    return got.status_code, got.json(), {h: got.headers.get(h) for h in HEADERS}


def _both(http: httpx.Client, path: str, params: dict[str, str]) -> tuple[Any, Any, bool]:
    query = urlencode(params)
    name = next(iter(params))
    routed = query + "&" + urlencode({name: params[name]})  # the same call, repeated name
    assert not _plain(path, routed)
    plain = _seen(http.get(f"{path}?{query}"))
    return plain, _seen(http.get(f"{path}?{routed}")), _plain(path, query)


@pytest.mark.parametrize("path", ["/api/v1/lookup", "/m/lookup"])
def test_plain_path_answers_as_the_routes_do(api_server: ApiServer, path: str) -> None:
    bank = fill_banks(api_server)
    good = api_server.key(rate_per_second=10_000, daily_quota=10**9)
    revoked = api_server.key("gone")
    feedback_only = api_server.key("fb", scopes=("feedback",))
    gone = api_server.app.state.platform_api.keys.load(revoked)
    with api_server.app.state.db.session() as session:
        revoke_key(session, Actor.console(), gone.id)
    pdq = flip(bank.pdq[2], 8)
    cases: list[tuple[str | None, dict[str, str], bool]] = [
        (good, {"signal_type": "pdq", "signal": pdq}, True),
        (good, {"signal_type": "PDQ", "signal": pdq.upper()}, True),
        (good, {"signal_type": "pdq", "signal": random_hex(np.random.default_rng(3))}, True),
        (good, {"signal_type": "md5", "signal": bank.md5}, True),
        (good, {"signal_type": "sha256", "signal": "ab" * 32}, True),
        (good, {"signal_type": "pdq", "signal": "zz" * 32}, True),  # not hex: 400
        (good, {"signal_type": "pdq", "signal": "ab" * 31}, True),  # wrong length: 400
        (None, {"signal_type": "pdq", "signal": pdq}, True),  # no key: 401
        ("hk_not-a-key-of-this-server-at-all", {"signal_type": "pdq", "signal": pdq}, True),
        (revoked, {"signal_type": "pdq", "signal": pdq}, True),  # 403
        (feedback_only, {"signal_type": "pdq", "signal": pdq}, True),  # no lookup scope: 403
        (good, {"signal": pdq}, False),  # no type: the route's own error
        (good, {"signal_type": "pdq", "signal": "a" * 20_000}, False),  # over the cap
    ]
    if path == "/api/v1/lookup":
        for flag in ("true", "1", "FALSE", "off"):
            cases.append((good, {"signal_type": "pdq", "signal": pdq, "dihedral": flag}, True))
        cases.append((good, {"signal_type": "pdq", "signal": pdq, "dihedral": "maybe"}, False))
        cases.append((good, {"signal_type": "sift", "signal": pdq}, True))
    else:
        cases.append((good, {"signal_type": "tlsh", "signal": "00"}, False))  # HMA's 400
        cases.append((good, {"signal_type": "pdq", "signal": pdq, "url": "http://x"}, False))
    statuses = set()
    for key, params, plain in cases:
        plain_seen, routed_seen, taken = _both(api_server.client(key), path, params)
        assert taken is plain, params
        assert plain_seen == routed_seen, (params, plain_seen, routed_seen)
        statuses.add(plain_seen[0])
    assert statuses >= {200, 400, 401, 403, 422}
    match = api_server.client(good).get(path, params={"signal_type": "pdq", "signal": pdq})
    assert match.json() != {} and "KR-NCII" in match.text


def test_plain_path_keeps_rates_quotas_and_counts(api_server: ApiServer) -> None:
    bank = fill_banks(api_server)
    params = {"signal_type": "pdq", "signal": bank.pdq[0]}
    assert _plain("/m/lookup", urlencode(params))
    http = api_server.client(api_server.key(rate_per_second=1, daily_quota=10**6))
    seen = [http.get("/m/lookup", params=params) for _ in range(5)]
    refused = [got for got in seen if got.status_code == 429]
    assert seen[0].status_code == 200 and refused  # one a second: a burst of five is refused
    assert int(refused[0].headers["retry-after"]) >= 1 and refused[0].json()["message"]
    quota = api_server.client(api_server.key("q", rate_per_second=10_000, daily_quota=3))
    got = [quota.get("/api/v1/lookup", params=params).status_code for _ in range(5)]
    assert got[:3] == [200, 200, 200] and got[3:] == [429, 429]
