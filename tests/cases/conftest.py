"""Fixtures for the notice tests: the loopback world of :mod:`tests.notices.world`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.notices.world import World, world_on_loopback


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """Five hits on a loopback site (two platforms), captured; a mail server; a clock."""
    with world_on_loopback(tmp_path) as built:
        yield built
