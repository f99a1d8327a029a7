"""Factory fixtures of the evidence tests: a loopback site, a key, a locker, a recorder."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from haechi.evidence.capture import CaptureRequest
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.model import Capture
from haechi.evidence.recorder import HttpRecorder, RecorderLimits
from haechi.evidence.screenshot import NoScreenshots, Screenshotter
from haechi.evidence.signing import SigningKey, generate_key
from haechi.sources.safety import FetchPolicy
from tests.evidence.site import Answer, Site, default_routes

T = TypeVar("T")
LOOPBACK = FetchPolicy(allow=("127.0.0.1",))


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion (the suite has no async plugin)."""
    return asyncio.run(coro)


@pytest.fixture
def serve_site() -> Iterator[Callable[..., Site]]:
    """Start loopback sites: ``serve_site(extra_routes=None, tls=None)``; all stopped after."""
    sites: list[Site] = []

    def start(extra: dict[str, Answer] | None = None, tls: Any = None) -> Site:
        routes = default_routes()
        routes.update(extra or {})
        site = Site(routes, tls)
        sites.append(site)
        return site

    yield start
    for site in sites:
        site.close()


@pytest.fixture
def site(serve_site: Callable[..., Site]) -> Site:
    """One plain-HTTP loopback site with the default routes."""
    return serve_site()


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    """A fresh organisation key in a 0600 file."""
    return generate_key(tmp_path / "keys" / "org.pem")


@pytest.fixture
def locker(tmp_path: Path, key: SigningKey) -> EvidenceLocker:
    """A locker in a fresh home, checkpointing every 4 entries."""
    return EvidenceLocker(tmp_path / "home" / "evidence", key=key, checkpoint_every=4)


def capture_now(
    locker: EvidenceLocker,
    url: str,
    media_url: str | None = None,
    context: dict[str, Any] | None = None,
    screenshotter: Screenshotter | None = None,
    limits: RecorderLimits | None = None,
) -> Capture:
    """Capture and seal one URL from the loopback site."""

    async def go() -> Capture:
        camera = screenshotter or NoScreenshots("not needed in this test")
        async with HttpRecorder(LOOPBACK, limits) as recorder:
            try:
                return await locker.capture(
                    CaptureRequest(url, media_url, context or {"hit_id": 1}), recorder, camera
                )
            finally:
                await camera.aclose()

    return run(go())
