"""What the web app and the command line ask of jobs: a scan to run, the list, one job.

A scan asked for from the web is a URL (never a path on the server: a member must not make
the server read its own files) with the private hosts it may also fetch; it is queued, and the
process holding the scheduler's lease runs it in a worker.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from haechi.jobs import store
from haechi.jobs.model import Job, JobError, JobKind, JobState
from haechi.members.model import Actor

MAX_URL = 2000
MAX_ALLOW = 20
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?$"
)


def check_target(target: str) -> str:
    """``target`` if it is an http(s) URL with a host; else a clear error."""
    target = target.strip()
    if not target or len(target) > MAX_URL:
        raise JobError(f"give the URL to scan (at most {MAX_URL} characters)")
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise JobError("the server scans web addresses only: give an http:// or https:// URL")
    return target


def parse_allow_hosts(text: str | Sequence[str]) -> tuple[str, ...]:
    """Host names, addresses or networks separated by commas or blanks, each checked."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    if len(items) > MAX_ALLOW:
        raise JobError(f"at most {MAX_ALLOW} allowed hosts")
    for item in items:
        try:
            ipaddress.ip_network(item.strip("[]"), strict=False)
        except ValueError:
            if not _HOST_NAME.match(item):
                raise JobError(f"{item!r} is not a host name, address or network") from None
    return tuple(items)


def request_scan(
    session: Session,
    actor: Actor,
    target: str,
    allow_hosts: str | Sequence[str] = (),
    *,
    now: datetime,
) -> Job:
    """Queue a scan of ``target`` for ``actor``; a worker of the scheduler runs it."""
    args = {"target": check_target(target), "allow_hosts": list(parse_allow_hosts(allow_hosts))}
    return store.enqueue(
        session,
        JobKind.SCAN,
        args,
        now=now,
        requested_by=actor.member_id,
        requested_by_name=actor.name,
    )


def list_jobs(
    session: Session,
    *,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 200,
) -> list[Job]:
    """Jobs, newest first, filtered by state and kind names (checked)."""
    try:
        states = [JobState(state)] if state else []
        kinds = [JobKind(kind)] if kind else []
    except ValueError:
        raise JobError(f"states: {', '.join(JobState)}; kinds: {', '.join(JobKind)}") from None
    return store.listed(session, states=states, kinds=kinds, limit=limit)


def get_job(session: Session, job_id: int) -> Job:
    """One job, or a clear error."""
    return store.get(session, job_id)
