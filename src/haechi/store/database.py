"""Opening the database: engine, sessions, and migrations run on first use.

SQLite is the embedded default (one file under ``HAECHI_HOME``); any SQLAlchemy URL works for
a team's PostgreSQL. Migrations are Alembic's, shipped inside the package, and run whenever the
database is behind, so a new home or an upgraded haechi needs no separate step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from haechi.errors import StoreError
from haechi.settings import Settings
from haechi.store.home import create_private_file, prepare_home

if TYPE_CHECKING:
    from alembic.config import Config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def head_revision() -> str:
    """The newest migration's revision id (migration files are named ``NNNN_*.py``)."""
    versions = resources.files("haechi.store") / "migrations" / "versions"
    return max(p.name[:4] for p in versions.iterdir() if p.name[:4].isdigit())


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    location = resources.files("haechi.store") / "migrations"
    cfg.set_main_option("script_location", str(location))
    return cfg


@contextmanager
def _foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite's foreign keys off while a migration rebuilds tables, as SQLite prescribes.

    A rebuild drops the old table, and with foreign keys on that deletes every row first:
    rows pointing at it with ``ON DELETE CASCADE`` would go with it (a hit's reviews and
    accounts), others would fail the migration. The pragma only applies outside a
    transaction, so it is set before the migration's transaction and restored after it.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()


def _broken_references(conn: Connection) -> set[tuple[Any, ...]]:
    """SQLite's rows whose foreign key points at no row (none elsewhere: keys are on)."""
    if conn.dialect.name != "sqlite":
        return set()
    return {tuple(row) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")}


class Database:
    """An engine and a session factory for one haechi home."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine: Engine = create_engine(url)
        except (SQLAlchemyError, ValueError) as exc:
            raise StoreError(f"cannot use database URL: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self, backup_dir: Path | None = None) -> None:
        """Bring the schema to the newest revision if it is behind.

        An existing database is copied into ``backup_dir`` first and put back if the migration
        fails (:mod:`haechi.ops.upgrade`); one made by a newer haechi is refused.
        """
        current = self.revision()
        if current == head_revision():
            return
        copy = None
        if current is not None:
            from haechi.ops import upgrade

            upgrade.refuse_downgrade(current, head_revision())
            folder = backup_dir or upgrade.default_backup_dir(self.url)
            copy = upgrade.copy_before_migration(self.url, folder, current, head_revision())
        # Alembic is imported only when there is work for it: a fifth of a second per command.
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = _alembic_config()
        head = ScriptDirectory.from_config(cfg).get_current_head()
        try:
            with self.engine.connect() as conn, _foreign_keys_off(conn), conn.begin():
                current = MigrationContext.configure(conn).get_current_revision()
                if current == head:
                    return
                cfg.attributes["connection"] = conn
                before = _broken_references(conn)
                command.upgrade(cfg, "head")
                if _broken_references(conn) - before:
                    raise StoreError("the migration left rows pointing at rows it removed")
        except Exception as exc:
            if copy is None or current is None:
                raise StoreError(f"cannot migrate the database at {self.url}: {exc}") from None
            self.engine.dispose()
            upgrade.put_back(self.url, copy)
            message = upgrade.failure_message(self.url, current, head_revision(), copy, str(exc))
            raise StoreError(message) from None

    def revision(self) -> str | None:
        """The schema revision the database is at, ``None`` for a new database."""
        try:
            with self.engine.connect() as conn:
                value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:
            return None
        return str(value) if value is not None else None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, ``None`` for other databases and in-memory SQLite."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_database(settings: Settings) -> Database:
    """Create the home folder (0700) if needed, open the database and migrate it.

    A new SQLite file is created 0600 before SQLite opens it; SQLite gives its ``-wal`` and
    ``-shm`` files the database file's mode, so they are private too.
    """
    prepare_home(settings.home)
    url = settings.resolved_database_url
    path = _sqlite_file(url)
    if path is not None and path.parent.is_dir():
        create_private_file(path)
    db = Database(url)
    db.migrate(settings.home / "backups")
    # Sealed personal data and labels open with keys kept outside the database.
    from haechi.crypto.labels import attach_vault

    attach_vault(db, settings)
    return db
