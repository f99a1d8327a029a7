"""The real scheduler: scans run in worker processes with progress and results, exactly one
process runs the schedules, scheduled work is queued when due, and a run whose process died is
marked failed with its reason (its process killed, found gone at start-up, its lease run out,
the server stopped)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from haechi.banks.service import register_files
from haechi.jobs import service, store
from haechi.jobs.model import JobKind, JobState
from haechi.jobs.runner import JobRunner, JobsConfig
from haechi.members.model import Actor, Role
from haechi.settings import Settings
from haechi.store.database import Database, open_database
from haechi.store.job_models import JobRow
from haechi.store.models import utcnow
from haechi.store.scans import ScanStore
from haechi.store.watches import WatchStore
from haechi.testkit.photos import registered_photos
from tests.jobs.conftest import FAST, ended, job_of, wait_for
from tests.sources.sitekit import Site

ANALYST = Actor(3, "analyst-1", Role.ANALYST)


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


@pytest.fixture
def board(site: Site, jobs_db: Database, job_settings: Settings, tmp_path: Path) -> Site:
    """A board on 127.0.0.1 with one re-upload of a registered photo among other pictures."""
    original = tmp_path / "orig.png"
    registered_photos()["coffee"].save(original)
    register_files(jobs_db, job_settings, "victims", [original], label="v")
    site.image("/m/reupload.jpg", jpeg(registered_photos()["coffee"].resize((240, 180))))
    site.image("/m/other.jpg", jpeg(registered_photos()["astronaut"]))
    site.page("/", '<img src="/m/reupload.jpg"><a href="/p2">next</a>')
    site.page("/p2", '<img src="/m/other.jpg">')
    site.page("/slow", "<p>never mind</p>", delay=600)
    return site


def queue_scan(db: Database, url: str) -> int:
    with db.session() as session:
        return service.request_scan(session, ANALYST, url, "127.0.0.1", now=utcnow()).id


def test_a_scan_runs_in_a_worker_with_progress_and_its_result_kept(
    board: Site, jobs_db: Database, job_settings: Settings, start_runner: Callable[..., JobRunner]
) -> None:
    job_id = queue_scan(jobs_db, board.url("/"))
    start_runner()
    job = wait_for(ended(jobs_db, job_id), "the scan job to end")
    assert job.state is JobState.DONE, job.error
    assert job.pid is not None and job.pid != os.getpid()  # it ran in a process of its own
    assert job.result is not None and len(job.result["hits"]) == 1
    assert job.result["captures"] == 1 and job.progress_done == job.result["items"] >= 2
    # The record is in the database: a server started later reads the same.
    again = open_database(job_settings)
    try:
        with again.session() as session:
            [listed] = service.list_jobs(session, kind="scan")
            hits = ScanStore(session).hits(scan_id=listed.result["scan"] if listed.result else 0)
        assert listed.as_json()["result"] == job.result
        assert [h.location for h in hits] == [board.url("/m/reupload.jpg")]
    finally:
        again.close()


def test_two_servers_run_each_job_once_and_one_takes_over(
    board: Site, jobs_db: Database, start_runner: Callable[..., JobRunner]
) -> None:
    first = start_runner()
    second = start_runner()
    wait_for(lambda: first.holding or second.holding, "one of them to take the lease")
    assert not (first.holding and second.holding)
    ids = [queue_scan(jobs_db, board.url(p)) for p in ("/", "/p2", "/")]
    for job_id in ids:
        assert wait_for(ended(jobs_db, job_id), f"job {job_id}").state is JobState.DONE
    with jobs_db.session() as session:
        owners = {session.get(JobRow, i).owner for i in ids}  # type: ignore[union-attr]
    holder = first if first.holding else second
    assert owners == {holder.holder}
    holder.stop()  # a clean stop gives the lease up: the other takes over at its next try
    other = second if holder is first else first
    wait_for(lambda: other.holding, "the other server to take the lease")
    last = queue_scan(jobs_db, board.url("/p2"))
    wait_for(ended(jobs_db, last), "a job after the takeover")
    assert job_of(jobs_db, last).state is JobState.DONE
    with jobs_db.session() as session:
        assert session.get(JobRow, last).owner == other.holder  # type: ignore[union-attr]


def test_a_killed_worker_fails_its_job_with_the_reason(
    board: Site, jobs_db: Database, start_runner: Callable[..., JobRunner]
) -> None:
    job_id = queue_scan(jobs_db, board.url("/slow"))
    start_runner()
    running = wait_for(
        lambda: (j := job_of(jobs_db, job_id)).pid and j.state is JobState.RUNNING and j,
        "the job's worker to start",
    )
    assert running.pid is not None
    os.kill(running.pid, signal.SIGKILL)
    job = wait_for(ended(jobs_db, job_id), "the killed job to be marked")
    assert job.state is JobState.FAILED
    assert job.error == "the worker process died: killed by SIGKILL"


def gone_pid() -> int:
    """The pid of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_runs_whose_process_is_gone_fail_at_start_and_by_lease_expiry(
    jobs_db: Database, start_runner: Callable[..., JobRunner]
) -> None:
    now = utcnow()
    with jobs_db.session() as session:
        ids = [store.enqueue(session, JobKind.REMINDERS, {}, now=now).id for _ in range(3)]
        for job_id, pid, lease_until in (
            (ids[0], gone_pid(), now + timedelta(hours=1)),  # a server stopped mid-run
            (ids[1], os.getpid(), now - timedelta(seconds=1)),  # alive, but not renewing
            (ids[2], None, now + timedelta(hours=1)),  # claimed, never started
        ):
            row = session.get(JobRow, job_id)
            assert row is not None
            row.state, row.owner, row.host = "running", "an-old-server", store.HOST
            row.pid, row.started_at, row.lease_until = pid, now, lease_until
    start_runner()
    gone, hung, unstarted = (wait_for(ended(jobs_db, i), f"job {i}") for i in ids)
    assert gone.state is hung.state is unstarted.state is JobState.FAILED
    assert gone.error is not None and "is gone" in gone.error
    assert hung.error is not None and "stopped renewing the job's lease" in hung.error
    assert unstarted.error is not None and "before its worker process started" in unstarted.error


def test_a_stopped_server_fails_what_it_was_running(
    board: Site, jobs_db: Database, start_runner: Callable[..., JobRunner]
) -> None:
    job_id = queue_scan(jobs_db, board.url("/slow"))
    runner = start_runner()
    wait_for(lambda: job_of(jobs_db, job_id).pid, "the job's worker to start")
    runner.stop()
    job = job_of(jobs_db, job_id)
    assert (
        job.state is JobState.FAILED and job.error == "stopped: the server shut down while it ran"
    )


def test_due_watches_are_queued_and_run_on_their_schedule(
    board: Site, jobs_db: Database, start_runner: Callable[..., JobRunner]
) -> None:
    with jobs_db.session() as session:
        watch = WatchStore(session).add(board.url("/"), None, timedelta(hours=6), utcnow())
    config = JobsConfig(
        workers=1,
        lease=FAST.lease,
        renew_every=FAST.renew_every,
        dispatch_every=FAST.dispatch_every,
        every={k: 0.5 for k in JobKind if k is not JobKind.SCAN},
        leases=FAST.leases,
    )
    start_runner(config)

    def watch_job() -> int | None:
        with jobs_db.session() as session:
            found = service.list_jobs(session, kind="watches")
        return found[0].id if found else None

    job = wait_for(ended(jobs_db, wait_for(watch_job, "a watches job")), "the watches job")
    with jobs_db.session() as session:
        why = WatchStore(session).all()[0].last_error
    assert job.state is JobState.DONE and job.result is not None, why  # a refused board fails
    [ran] = job.result["watches"]
    assert ran["watch"] == watch.id and ran["error"] is None and ran["scan"] is not None
    # The watch is not due again for six hours, so nothing more is queued meanwhile.
    with jobs_db.session() as session:
        assert len(service.list_jobs(session, kind="watches")) == 1
        assert WatchStore(session).all()[0].last_scan_id == ran["scan"]
