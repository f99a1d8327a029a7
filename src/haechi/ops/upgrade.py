"""Upgrades without fear: a copy of the database before every migration, and a way back.

Migrations only change the database (evidence files never change), so before one runs on an
existing home the database is copied with its online backup (SQLite) or ``pg_dump``
(PostgreSQL) into ``<home>/backups/``. If the migration fails, the copy is put back (SQLite
does not roll back every schema change of a failed migration), so the home is as it was, and
the error says how to return to the version that made it. A home made by a *newer* haechi is
refused: migrations only run forward.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from haechi.errors import StoreError
from haechi.ops.snapshot import copy_sqlite, dump_postgresql, sqlite_path

BACKUPS = "backups"


def refuse_downgrade(current: str, head: str) -> None:
    """A database ahead of this haechi's migrations is left alone, with what to do."""
    if current.isdigit() and head.isdigit() and int(current) > int(head):
        raise StoreError(
            f"the database is at schema {current}, made by a newer haechi than this one "
            f"(which knows up to {head}); migrations only go forward: install the newer "
            "haechi again, or restore a backup made before the upgrade"
        )


def copy_before_migration(url: str, backup_dir: Path, current: str, head: str) -> Path:
    """Copy the database into ``backup_dir`` before migrating ``current`` to ``head``."""
    backup_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = sqlite_path(url)
    if path is not None:
        target = backup_dir / f"haechi-{current}-before-{head}-{stamp}.db"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        copy_sqlite(path, target)
    else:
        target = backup_dir / f"haechi-{current}-before-{head}-{stamp}.pgdump"
        dump_postgresql(url, target)
    return target


def put_back(url: str, copy: Path) -> None:
    """Return a SQLite database to its copy (PostgreSQL rolls a failed migration back itself)."""
    path = sqlite_path(url)
    if path is not None:
        copy_sqlite(copy, path, standalone=False)


def failure_message(url: str, current: str, head: str, copy: Path, problem: str) -> str:
    """What a failed migration did not do, and how to return."""
    back = (
        f"pg_restore --clean --no-owner -d <database> {copy}"
        if sqlite_path(url) is None
        else f"it was put back from {copy}"
    )
    return (
        f"migrating the database from schema {current} to {head} failed ({problem}); the home "
        f"is as it was ({back}). To return, install the haechi version you ran before "
        f"(it uses schema {current}) and report this error; your data is untouched"
    )


def default_backup_dir(url: str) -> Path:
    """Beside a SQLite file; a PostgreSQL database needs the home's folder named."""
    path = sqlite_path(url)
    if path is None:
        raise StoreError("migrating PostgreSQL needs a folder for the copy made first")
    return path.parent / BACKUPS
