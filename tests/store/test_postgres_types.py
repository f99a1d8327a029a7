"""Values read back the same from SQLite and PostgreSQL (run in both passes of make test).

SQLite stores a timestamp as text without its zone and a boolean as 0/1; PostgreSQL has
``timestamptz`` and ``boolean``. Through :class:`~haechi.store.models.UtcDateTime` both give
back the same instant, timezone-aware in UTC, to the microsecond.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from haechi.store.database import Database
from haechi.store.models import BankRow
from haechi.store.review_models import ReviewPolicyRow

SEOUL = ZoneInfo("Asia/Seoul")


def test_an_instant_in_any_zone_reads_back_as_the_same_instant_in_utc(db: Database) -> None:
    evening_in_seoul = datetime(2026, 12, 1, 18, 30, 5, 123456, tzinfo=SEOUL)
    morning_utc = datetime(2026, 12, 1, 9, 30, 5, 123457, tzinfo=UTC)  # 1 µs later
    with db.session() as session:
        session.add_all(
            [
                BankRow(name="seoul", created_at=evening_in_seoul),
                BankRow(name="utc", created_at=morning_utc),
            ]
        )
    with db.session() as session:
        rows = session.execute(
            select(BankRow.name, BankRow.created_at).order_by(BankRow.created_at)
        )
        ordered = list(rows)
        later = session.scalars(
            select(BankRow.name).where(BankRow.created_at > evening_in_seoul)
        ).all()
    assert [name for name, _ in ordered] == ["seoul", "utc"]
    assert ordered[0][1] == evening_in_seoul and ordered[0][1].utcoffset() == timedelta(0)
    assert ordered[0][1].microsecond == 123456
    assert later == ["utc"]


def test_a_naive_time_is_refused_on_both(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"), db.session() as session:
        session.add(BankRow(name="naive", created_at=datetime(2026, 12, 1, 9, 0)))
        session.flush()


def test_booleans_and_korean_text_read_back_as_written(db: Database) -> None:
    now = datetime.now(UTC)
    with db.session() as session:
        session.add(ReviewPolicyRow(id=1, enabled=True, exact=False, set_by="김해치", set_at=now))
    with db.session() as session:
        row = session.get(ReviewPolicyRow, 1)
        assert row is not None
        assert (row.enabled, row.exact, row.set_by) == (True, False, "김해치")
        assert row.enabled is True and row.exact is False
