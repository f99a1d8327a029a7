"""Fixtures of the members' tests: a clock to move and a team made through the services."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from haechi.members.model import Role
from haechi.store.database import Database
from haechi.testkit.team import ManualClock, TeamMember, add_member


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_member(db: Database, clock: ManualClock) -> Callable[..., TeamMember]:
    def make(name: str, role: Role = Role.ANALYST) -> TeamMember:
        return add_member(db, name, role, now=clock())

    return make
