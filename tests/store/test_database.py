from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from haechi.errors import StoreError
from haechi.settings import Settings
from haechi.store.database import Database, head_revision, open_database


@pytest.mark.sqlite_only
def test_first_use_creates_home_and_migrates(settings: Settings) -> None:
    assert not settings.home.exists()
    db = open_database(settings)
    try:
        assert (settings.home / "haechi.db").is_file()
        tables = set(inspect(db.engine).get_table_names())
        assert {"banks", "bank_entries", "signals", "media", "scans", "hits"} <= tables
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == head_revision()
    finally:
        db.close()


def test_reopening_is_a_no_op(settings: Settings) -> None:
    open_database(settings).close()
    db = open_database(settings)
    db.migrate()
    db.close()


@pytest.mark.sqlite_only
def test_two_homes_never_mix(tmp_path: Path) -> None:
    a = Settings(home=tmp_path / "a")
    b = Settings(home=tmp_path / "b")
    assert a.resolved_database_url != b.resolved_database_url


def test_database_url_setting_wins(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    settings = Settings(home=tmp_path / "home", database_url=url)
    open_database(settings).close()
    assert (tmp_path / "elsewhere.db").is_file()


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="database URL"):
        Database("nonsense://")


def test_migrations_match_the_models(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from haechi.store.models import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_head_revision_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from haechi.store.database import _alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(_alembic_config()).get_current_head()
