"""Writes that stay right when two sessions race: insert-or-nothing and row locks.

SQLite lets one writer in at a time, so a read-then-insert never met a second writer in
between; on PostgreSQL it does. These helpers make the database's own constraints decide:
an insert that meets a row another transaction wrote (committed or not) does nothing and
says so, and a row read to be changed is locked until the transaction ends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session


def insert_or_nothing(
    session: Session,
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    keys: Sequence[str],
) -> Any | None:
    """Insert one row unless one with the same ``keys`` exists; returns its id, or ``None``.

    ``INSERT ... ON CONFLICT (keys) DO NOTHING RETURNING`` on both databases: on PostgreSQL
    it waits for a transaction that wrote the same keys and does nothing if that one commits,
    so two writers end with one row and neither fails.
    """
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"haechi runs on SQLite and PostgreSQL, not {dialect}")
    primary = next(iter(table.primary_key))
    statement = (
        builder(table)
        .values(dict(values))
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(primary)
    )
    return session.execute(statement).scalar_one_or_none()


def for_update(statement: Select[Any]) -> Select[Any]:
    """``SELECT ... FOR UPDATE`` with fresh attributes (SQLite, one writer anyway, ignores it).

    A row read this way stays locked until commit, and its values are those the last
    committed writer left, not a copy the session read earlier.
    """
    return statement.with_for_update().execution_options(populate_existing=True)
