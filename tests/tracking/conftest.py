"""The scripted world, built once per module (it scans, sends and re-checks for real)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.tracking.world import World, scripted_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with scripted_world(tmp_path_factory.mktemp("tracking")) as built:
        yield built
