"""Upgrades: a copy before every migration; a failed one leaves the home as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from haechi.errors import StoreError
from haechi.settings import Settings
from haechi.store.database import Database, _alembic_config, head_revision, open_database
from tests.ops.conftest import dump, tree

OLD = "0010"


def _old_home(tmp_path: Path) -> Settings:
    """A home whose database is at schema 0010, holding a bank, as an older haechi left it."""
    settings = Settings(
        home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'home/haechi.db'}"
    )
    settings.home.mkdir(mode=0o700)
    db = Database(settings.resolved_database_url)
    try:
        cfg = _alembic_config()
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, OLD)
    finally:
        db.close()
    conn = sqlite3.connect(settings.home / "haechi.db")
    with conn:
        conn.execute("INSERT INTO cases (ref, created_at) VALUES ('C-2026-001', '2026-11-01')")
    conn.close()
    return settings


def _revision(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def test_a_migration_keeps_a_copy_of_the_database_first(tmp_path: Path) -> None:
    settings = _old_home(tmp_path)
    before = dump(settings.home / "haechi.db", skip=())
    open_database(settings).close()
    assert _revision(settings.home / "haechi.db") == head_revision()
    [copy] = (settings.home / "backups").iterdir()
    assert copy.name.startswith(f"haechi-{OLD}-before-{head_revision()}-")
    assert dump(copy, skip=()) == before
    assert copy.stat().st_mode & 0o777 == 0o600


def test_a_failed_migration_leaves_the_home_as_it_was_and_says_how_to_return(
    tmp_path: Path,
) -> None:
    settings = _old_home(tmp_path)
    conn = sqlite3.connect(settings.home / "haechi.db")
    with conn:  # a table in the way of the last one the migration creates
        conn.execute("CREATE TABLE retention_policies (x INTEGER)")
        conn.execute("INSERT INTO retention_policies VALUES (7)")
    conn.close()
    before = dump(settings.home / "haechi.db", skip=())
    evidence = settings.home / "evidence"
    evidence.mkdir()
    (evidence / "log.jsonl").write_bytes(b"")

    with pytest.raises(StoreError) as caught:
        open_database(settings)
    message = str(caught.value)
    assert f"from schema {OLD} to {head_revision()} failed" in message
    assert "the home is as it was" in message and "install the haechi version" in message
    assert _revision(settings.home / "haechi.db") == OLD
    assert dump(settings.home / "haechi.db", skip=()) == before
    assert "backups" not in [t for t in before if "CREATE TABLE backups" in t]
    assert tree(evidence) == {"log.jsonl": b""}
    [copy] = (settings.home / "backups").iterdir()
    assert str(copy) in message


def test_a_home_from_a_newer_haechi_is_refused_untouched(tmp_path: Path) -> None:
    settings = _old_home(tmp_path)
    conn = sqlite3.connect(settings.home / "haechi.db")
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0999'")
    conn.close()
    before = dump(settings.home / "haechi.db", skip=())
    with pytest.raises(StoreError, match="newer haechi"):
        open_database(settings)
    assert dump(settings.home / "haechi.db", skip=()) == before
    assert not (settings.home / "backups").exists()
