"""Factory fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from haechi.settings import Settings
from haechi.store.database import Database, open_database
from tests.postgres import PostgresServer, server_url


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the database every test's Settings use: a SQLite file in its home (default) or a "
        "fresh database on the server HAECHI_TEST_DATABASE_URL names (.ci/postgres start)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only: on SQLite whatever the pass (looks inside the SQLite file itself, or runs "
        "a new user's default home, which is one)",
    )
    if config.getoption("--database") == "postgresql" and server_url() is None:
        raise pytest.UsageError("--database=postgresql needs HAECHI_TEST_DATABASE_URL")


# A database lives in a home (or is named by a URL made for a home), and every home in the tests
# is a temporary folder: tmp_path, settings, db and each package's home fixtures all build on
# tmp_path_factory. A test whose fixtures never reach it has no home, so it cannot touch a
# database; the PostgreSQL pass leaves it out, and _no_database_without_home keeps that true.
HOME_ROOT = "tmp_path_factory"


def _has_home(item: pytest.Item) -> bool:
    return HOME_ROOT in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--database") != "postgresql":
        return
    kept = [item for item in items if _has_home(item)]
    config.hook.pytest_deselected(items=[item for item in items if not _has_home(item)])
    items[:] = kept
    skip = pytest.mark.skip(reason="on SQLite whatever the pass: run in the SQLite pass")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_database_without_home(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that opens a database without a temporary home (the rule above).

    Such a test would be left out of the PostgreSQL pass; it should take ``tmp_path`` (or a
    fixture built on it) for its home instead.
    """
    if HOME_ROOT in request.fixturenames:
        yield
        return
    opened: list[str] = []
    original = Database.__init__

    def watched(self: Database, url: str) -> None:
        original(self, url)
        opened.append(url)  # only a database that opened: a refused URL touches none

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Database, "__init__", watched)
        yield
    if opened:
        pytest.fail(
            f"{request.node.nodeid} opened a database without a temporary home "
            "(tmp_path or a fixture built on it), so the PostgreSQL pass would leave it out"
        )


@pytest.fixture(scope="session")
def postgres(request: pytest.FixtureRequest) -> Iterator[PostgresServer | None]:
    """The PostgreSQL test server in the ``--database=postgresql`` pass, else ``None``."""
    url = server_url()
    if request.config.getoption("--database") != "postgresql" or url is None:
        yield None
        return
    server = PostgresServer(url)
    yield server
    server.close()


def _fresh_postgres(server: PostgresServer | None) -> Iterator[None]:
    """Point HAECHI_DATABASE_URL at a new database while the caller's scope lasts."""
    if server is None:
        yield
        return
    url = server.create()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HAECHI_DATABASE_URL", url)
        yield
    server.drop(url)


@pytest.fixture(scope="module", autouse=True)
def _module_database(postgres: PostgresServer | None) -> Iterator[None]:
    """Module-scoped servers and worlds get their own database in the PostgreSQL pass."""
    yield from _fresh_postgres(postgres)


@pytest.fixture(autouse=True)
def _test_database(postgres: PostgresServer | None) -> Iterator[None]:
    """Each test gets its own database in the PostgreSQL pass (its home's SQLite file else).

    A test working in a home its module shares (a world, a server) names that home's database
    to the commands it runs: ``world.settings.resolved_database_url``.
    """
    yield from _fresh_postgres(postgres)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh home; one hashing worker keeps tests light."""
    return Settings(home=tmp_path / "home", workers=1)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """The test's migrated database: SQLite in its home, or PostgreSQL (``--database``)."""
    database = open_database(settings)
    yield database
    database.close()


def photo(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A deterministic photo-like image (smooth random field with structure)."""
    rng = np.random.default_rng(seed)
    w, h = size
    coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    big = Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC)
    noise = rng.normal(0, 6, size=(h, w, 3))
    arr = np.clip(np.asarray(big, dtype=np.float64) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


@pytest.fixture
def make_photo(tmp_path: Path) -> Callable[..., Path]:
    """Write a deterministic photo to a file and return its path."""

    def make(
        seed: int, name: str | None = None, folder: Path | None = None, fmt: str = "JPEG"
    ) -> Path:
        target = (folder or tmp_path / "photos") / (name or f"photo-{seed}.jpg")
        target.parent.mkdir(parents=True, exist_ok=True)
        photo(seed).save(target, fmt, **({"quality": 92} if fmt == "JPEG" else {}))
        return target

    return make
