"""A job runner over a test's home with short intervals, and a way to wait for what it does.

The runner is the real one: APScheduler's triggers, the lease in the database, worker
processes started with ``spawn``. Waiting is by polling the database with a generous limit;
no test asserts how long anything takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from haechi.jobs import store
from haechi.jobs.model import Job
from haechi.jobs.runner import JobRunner, JobsConfig
from haechi.jobs.worker import Leases
from haechi.settings import Settings
from haechi.store.database import Database, open_database
from tests.sources.sitekit import Site, serve

T = TypeVar("T")

FAST = JobsConfig(
    workers=2,
    lease=timedelta(seconds=20),
    renew_every=0.5,
    dispatch_every=0.3,
    leases=Leases(job=timedelta(seconds=20), renew_every=0.5, progress_every=0.1),
)


def wait_for(check: Callable[[], T | None], what: str, limit: float = 240.0) -> T:
    """Poll ``check`` until it gives something; fail naming ``what`` after ``limit`` seconds."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def job_of(db: Database, job_id: int) -> Job:
    with db.session() as session:
        return store.get(session, job_id)


def ended(db: Database, job_id: int) -> Callable[[], Job | None]:
    def check() -> Job | None:
        job = job_of(db, job_id)
        return job if job.finished else None

    return check


@pytest.fixture
def job_settings(tmp_path: Path) -> Settings:
    """A home whose scans capture evidence but take no screenshots (no browser needed).

    Scheduled watches fetch with the settings' allow-list, and the test boards live on
    127.0.0.1, so it is allowed here (a refused board would be a failed watch).
    """
    return Settings(
        home=tmp_path / "home", workers=1, evidence_screenshots=False, allow_hosts=["127.0.0.1"]
    )


@pytest.fixture
def jobs_db(job_settings: Settings) -> Iterator[Database]:
    database = open_database(job_settings)
    yield database
    database.close()


@pytest.fixture
def start_runner(job_settings: Settings, jobs_db: Database) -> Iterator[Callable[..., JobRunner]]:
    """Start runners (stopped when the test ends), each over its own database handle."""
    started: list[tuple[JobRunner, Database]] = []

    def start(config: JobsConfig = FAST) -> JobRunner:
        db = open_database(job_settings)
        runner = JobRunner(job_settings, db, config)
        runner.start()
        started.append((runner, db))
        return runner

    yield start
    for runner, db in started:
        runner.stop()
        db.close()


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running
