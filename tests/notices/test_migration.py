"""Migration 0004 creates the case and notice tables and takes them away again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from haechi.store.database import Database, _alembic_config

TABLES = {
    "cases",
    "case_members",
    "police_reports",
    "platforms",
    "platform_domains",
    "reviews",
    "notices",
    "notice_events",
    "notice_items",
    "rechecks",
}


def test_upgrade_downgrade_upgrade(db: Database) -> None:
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    assert not TABLES & set(inspect(db.engine).get_table_names())
    db.migrate()
    assert set(inspect(db.engine).get_table_names()) >= TABLES
