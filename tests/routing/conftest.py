"""Fixtures for routing: the recorded registries on 127.0.0.1, a home database, a clock the
test moves, DNS answers the test gives, and a directory with a platform and the regulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from haechi.notices.platforms import parse_platforms
from haechi.routing import LookupFailed, Pacer, Router, RoutingSettings, open_router
from haechi.settings import Settings
from haechi.store.database import Database, open_database
from haechi.store.notices import PlatformStore
from tests.routing.rdapkit import Registry, serve_registry

DIRECTORY = """
format = "haechi-platforms/v1"

[[platform]]
name = "example-portal"
title = "예시 포털"
domains = ["portal.example"]
email = "abuse@portal.example"
language = "ko"

[[platform]]
name = "kcsc"
title = "방송통신심의위원회"
kind = "regulator"
country = "KR"
email = "report@kcsc.example"
language = "ko"
"""

# What the test's DNS answers (addresses of the recorded registry answers).
DNS = {
    "you.tube": ["104.16.1.1"],  # behind Cloudflare
    "www.google.com": ["74.125.225.229"],
    "portal.example": ["62.239.237.1"],
    "unregistered.com": ["62.239.237.1"],
    "inside.example": ["127.0.0.1"],
    "mixed.example": ["62.239.237.1", "192.168.0.10"],
}


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Waits:
    """An injected pacer clock: time stands still and every wait is written down."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def ticker(self) -> float:
        return 1000.0

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def resolve(host: str) -> list[str]:
    """The test's DNS: the table above, else a failure as the system resolver reports it."""
    if host not in DNS:
        raise LookupFailed(f"{host} does not resolve: [Errno -2] Name or service not known")
    return DNS[host]


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    """The recorded registries, on 127.0.0.1 (one server for the module)."""
    with serve_registry() as served:
        yield served


@pytest.fixture
def fresh_registry(registry: Registry) -> Registry:
    """The module's registry with no overrides and its counts reset."""
    registry.overrides.clear()
    registry.slow.clear()
    registry.hits.clear()
    return registry


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A home database with the directory above."""
    database = open_database(Settings(home=tmp_path / "home"))
    with database.session() as session:
        PlatformStore(session).save(parse_platforms(DIRECTORY), datetime.now(UTC))
    yield database
    database.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def waits() -> Waits:
    return Waits()


RouterFactory = Callable[..., AbstractContextManager[Router]]


@pytest.fixture
def router_for(db: Database, fresh_registry: Registry, clock: Clock, waits: Waits) -> RouterFactory:
    """``router_for(**settings)``: a router over the test registry and DNS."""

    def make(**overrides: float) -> AbstractContextManager[Router]:
        values: dict[str, float | str] = {"min_interval": 1.0, **overrides}
        settings = RoutingSettings(bootstrap_url=fresh_registry.bootstrap_url, **values)
        return open_router(
            db, clock, "KR", settings, resolve, Pacer(1.0, waits.ticker, waits.sleep)
        )

    return make
