"""Migration 0019 creates the routing tables and takes them away again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from haechi.store.database import Database, _alembic_config

TABLES = {"routing_lookups", "routing_desks"}


def test_upgrade_downgrade_upgrade(db: Database, tmp_path: Path) -> None:
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0018")
    assert not TABLES & set(inspect(db.engine).get_table_names())
    db.migrate(tmp_path / "backups")  # PostgreSQL's copy (pg_dump) needs a folder named
    assert set(inspect(db.engine).get_table_names()) >= TABLES
