"""The lease and the jobs table alone: one holder at a time, one claim per job, endings
written only by the owner of a running job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from haechi.jobs import lease, service, store
from haechi.jobs.model import JobError, JobKind, JobState
from haechi.members.model import Actor, Role
from haechi.store.database import Database

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)
ANALYST = Actor(7, "analyst-1", Role.ANALYST)


def test_one_holder_at_a_time_and_a_takeover_after_expiry(jobs_db: Database) -> None:
    with jobs_db.session() as s:
        assert lease.acquire(s, "first", now=T0, ttl=TTL)
    with jobs_db.session() as s:
        assert not lease.acquire(s, "second", now=T0 + timedelta(seconds=10), ttl=TTL)
        assert lease.acquire(s, "first", now=T0 + timedelta(seconds=20), ttl=TTL)  # renewed
        assert not lease.acquire(s, "second", now=T0 + timedelta(seconds=45), ttl=TTL)
        assert lease.holder(s, now=T0 + timedelta(seconds=45)) == "first"
    with jobs_db.session() as s:  # "first" stopped renewing: its lease ran out at 0:50
        assert lease.acquire(s, "second", now=T0 + timedelta(seconds=51), ttl=TTL)
        assert not lease.acquire(s, "first", now=T0 + timedelta(seconds=52), ttl=TTL)
        lease.release(s, "first")  # not its lease: nothing happens
        assert lease.holder(s, now=T0 + timedelta(seconds=52)) == "second"
        lease.release(s, "second")
        assert lease.holder(s, now=T0 + timedelta(seconds=52)) is None


def test_a_job_is_claimed_once_and_ended_only_by_its_owner(jobs_db: Database) -> None:
    with jobs_db.session() as s:
        job = service.request_scan(s, ANALYST, "https://example.org/board/", "10.0.0.0/8", now=T0)
    assert job.state is JobState.QUEUED and job.args["allow_hosts"] == ["10.0.0.0/8"]
    with jobs_db.session() as s:
        claimed = store.claim_next(s, "a", now=T0, lease=TTL)
        assert claimed is not None and claimed.id == job.id
        assert store.claim_next(s, "b", now=T0, lease=TTL) is None
        assert not store.finish(s, job.id, "b", now=T0, result={"x": 1})
        assert store.finish(s, job.id, "a", now=T0, result={"hits": [1]})
        assert not store.fail_running(s, job.id, "too late", now=T0)
    with jobs_db.session() as s:
        [listed] = service.list_jobs(s, state="done")
        assert listed.result == {"hits": [1]} and listed.requested_by == "analyst-1"
        assert service.list_jobs(s, kind="watches") == []


@pytest.mark.parametrize(
    ("target", "allow"),
    [
        ("/etc/passwd", ""),
        ("file:///etc/passwd", ""),
        ("ftp://example.org/", ""),
        ("https://", ""),
        ("https://example.org/" + "a" * 2000, ""),
        ("https://example.org/", "not a host!"),
        ("https://example.org/", " ".join(f"h{i}" for i in range(21))),
    ],
)
def test_a_scan_asked_for_is_a_web_address_with_plain_hosts(
    jobs_db: Database, target: str, allow: str
) -> None:
    with jobs_db.session() as s, pytest.raises(JobError):
        service.request_scan(s, ANALYST, target, allow, now=T0)


def test_filters_name_what_exists(jobs_db: Database) -> None:
    with jobs_db.session() as s, pytest.raises(JobError, match="states: queued"):
        service.list_jobs(s, state="sleeping")
    with jobs_db.session() as s:
        store.enqueue(s, JobKind.REMINDERS, {}, now=T0)
        assert [j.kind for j in service.list_jobs(s, kind="reminders")] == [JobKind.REMINDERS]
