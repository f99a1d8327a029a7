"""Fresh PostgreSQL databases for the tests' second pass (``pytest --database=postgresql``).

The server is the one ``.ci/postgres start`` runs; ``HAECHI_TEST_DATABASE_URL`` names it with a
role that may create databases. Each worker migrates one template database once; every test
(and every module, for its module-scoped servers) then gets a copy of it (``CREATE DATABASE
... TEMPLATE``, a file copy) named through ``HAECHI_DATABASE_URL``, which every ``Settings``
built during that test reads. A home is then as fresh and as private as its SQLite file.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

from haechi.ops.snapshot import libpq
from haechi.store.database import Database

URL_VARIABLE = "HAECHI_TEST_DATABASE_URL"


class PostgresServer:
    """The test server: makes and drops this worker's databases."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin: Engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.prefix = f"haechi_t_{worker}_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self._numbers = itertools.count(1)
        self._migrated = False

    def url_of(self, name: str) -> str:
        """The URL of one of this server's databases, password included."""
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _execute(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(statement))

    def _migrate_template(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{self.template}"')
        database = Database(self.url_of(self.template))
        try:
            database.migrate()
        finally:
            database.close()
        self._migrated = True

    def create(self, migrated: bool = True) -> str:
        """A new database (the schema at head unless ``migrated`` is false); returns its URL."""
        if migrated and not self._migrated:
            self._migrate_template()
        name = f"{self.prefix}_{next(self._numbers)}"
        template = f' TEMPLATE "{self.template}"' if migrated else ""
        self._execute(f'CREATE DATABASE "{name}"{template}')
        return self.url_of(name)

    def drop(self, url: str) -> None:
        """Drop a database made by :meth:`create`, whoever is still connected to it."""
        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Drop the template and release the admin connection."""
        if self._migrated:
            self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


def server_url() -> str | None:
    """The test server's URL, ``None`` when no server was started."""
    return os.environ.get(URL_VARIABLE) or None


def stored_bytes(url: str) -> bytes:
    """Every byte a copy of the database would give away: the SQLite file with its WAL, or a
    plain-text ``pg_dump`` of the PostgreSQL database (so "no plaintext" holds on both)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        files = [path, path.with_name(path.name + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.is_file())
    dsn, env = libpq(url)
    done = subprocess.run(
        ["pg_dump", "--format=plain", "--data-only", dsn], capture_output=True, env=env, check=True
    )
    return done.stdout
