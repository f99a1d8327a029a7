"""Fixtures for the sources tests: a live site on 127.0.0.1 and a policy that allows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from haechi.sources.safety import FetchPolicy
from tests.sources.sitekit import Site, serve


@pytest.fixture
def site() -> Iterator[Site]:
    """A fresh HTTP server on 127.0.0.1 with no routes yet (everything answers 404)."""
    with serve() as running:
        yield running


@pytest.fixture
def policy() -> FetchPolicy:
    """A fetch policy that allows 127.0.0.1 only, with short timeouts and quick retries."""
    return FetchPolicy(
        allow=("127.0.0.1",),
        total_timeout=10.0,
        connect_timeout=2.0,
        read_timeout=2.0,
        retries=2,
        backoff=0.01,
    )
