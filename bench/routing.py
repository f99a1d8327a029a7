"""Routing cost: registry requests and time per URL, with nothing cached and from the cache.

The registries are the recorded RDAP answers of ``tests/data/rdap`` served on 127.0.0.1 (the
tests' server), DNS the tests' table; five URLs: a site behind Cloudflare, a subdomain of a
.com, hosts in Mexico, Korea and the UK. The cold row is the peer of the cached one: the same
router, the same run. Pacing is off, so the times are haechi's own work plus loopback HTTP.

    python bench/routing.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.routing.conftest import resolve
from tests.routing.rdapkit import serve_registry

from haechi.routing import Pacer, RoutingSettings, open_router
from haechi.settings import Settings
from haechi.store.database import open_database

URLS = (
    "https://you.tube/a.jpg",
    "https://www.google.com/x",
    "http://200.57.141.161/a",
    "http://210.107.73.73/",
    "http://62.239.237.1/",
)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def one_round() -> dict[str, tuple[int, float]]:
    """Registry requests and ms per URL, cold then cached, in a new home."""
    found: dict[str, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory() as home, serve_registry() as registry:
        db = open_database(Settings(home=Path(home)))
        settings = RoutingSettings(bootstrap_url=registry.bootstrap_url)
        try:
            with open_router(db, lambda: NOW, "KR", settings, resolve, Pacer(0.0)) as router:
                for label in ("cold", "cached"):
                    before = sum(registry.hits.values())
                    start = time.perf_counter()
                    for url in URLS:
                        router.route(url)
                    ms = (time.perf_counter() - start) * 1000 / len(URLS)
                    found[label] = (sum(registry.hits.values()) - before, ms)
        finally:
            db.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rounds = [one_round() for _ in range(args.rounds)]
    print(f"`python bench/routing.py --rounds {args.rounds}` ({len(URLS)} URLs, median of rounds)")
    print()
    print("| lookup | registry requests | ms per URL |")
    print("| --- | ---: | ---: |")
    for label in ("cold", "cached"):
        requests = rounds[0][label][0]
        ms = statistics.median(r[label][1] for r in rounds)
        print(f"| {label} | {requests} | {ms:.1f} |")


if __name__ == "__main__":
    main()
