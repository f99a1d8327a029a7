"""Fixtures for the public report's tests: the scripted world of :mod:`tests.transparency.world`,
built once per module (it is only read)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.transparency.world import World, scripted_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Three host platforms, a regulator, victims, notices, removals, re-uploads; 2026-Q4."""
    with scripted_world(tmp_path_factory.mktemp("transparency")) as built:
        yield built
