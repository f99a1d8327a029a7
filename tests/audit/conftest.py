"""Fixtures of the audit tests: a clock to move."""

from __future__ import annotations

import pytest

from haechi.testkit.team import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
