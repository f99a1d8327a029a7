"""A migrated home with the organisation's trust keys, and a clock the tests move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from haechi.settings import Settings
from haechi.store.database import Database
from haechi.trust.config import TrustConfig

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def config(settings: Settings) -> TrustConfig:
    return TrustConfig(
        home=settings.home,
        passphrase="correct horse",
        public_url="https://haechi.example",
        organisation="해치 지원센터",
        fixed=True,
    )


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s
