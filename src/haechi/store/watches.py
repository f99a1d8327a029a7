"""Watch lists: sources re-scanned on a schedule, and how their last run went.

A watch that fails is retried with back-off: first after :data:`RETRY_BASE` (or its own
interval, if shorter), then twice as long after each further failure in a row, never longer
than its interval. A site down for minutes is found again soon; one gone for good is not
hammered, and it never holds up the other watches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.errors import HaechiError
from haechi.store.models import WatchRow

RETRY_BASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Watch:
    """A watched source."""

    id: int
    target: str
    kind: str | None
    every: timedelta
    created_at: datetime
    next_run: datetime
    last_run: datetime | None
    last_scan_id: int | None
    last_error: str | None
    runs: int
    failures: int = 0  # in a row, since the last run that succeeded

    def due(self, now: datetime) -> bool:
        """Whether the watch should run at ``now``."""
        return self.next_run <= now


def retry_delay(every: timedelta, failures: int, base: timedelta = RETRY_BASE) -> timedelta:
    """How long after its ``failures``-th failure in a row a watch is tried again.

    ``base`` doubled for each earlier failure in a row, capped at the watch's interval ``every``.
    """
    if failures <= 0:
        return every
    doublings = min(failures - 1, 20)  # 2**20 bases (10 years) is beyond any interval
    return min(every, base * (1 << doublings))


def _watch(row: WatchRow) -> Watch:
    return Watch(
        row.id,
        row.target,
        row.kind,
        timedelta(seconds=row.every_seconds),
        row.created_at,
        row.next_run,
        row.last_run,
        row.last_scan_id,
        row.last_error,
        row.runs,
        row.failures or 0,
    )


class WatchStore:
    """Reads and writes watches within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, target: str, kind: str | None, every: timedelta, now: datetime) -> Watch:
        """Watch a source; its first run is due at once."""
        if every < timedelta(minutes=1):
            raise HaechiError("a watch runs at most once a minute")
        row = WatchRow(
            target=target,
            kind=kind,
            every_seconds=int(every.total_seconds()),
            created_at=now,
            next_run=now,
            runs=0,
            failures=0,
        )
        self.session.add(row)
        self.session.flush()
        return _watch(row)

    def all(self) -> list[Watch]:
        """Every watch, by id."""
        return [_watch(r) for r in self.session.scalars(select(WatchRow).order_by(WatchRow.id))]

    def due(self, now: datetime) -> list[Watch]:
        """Watches whose next run is at or before ``now``."""
        rows = self.session.scalars(
            select(WatchRow).where(WatchRow.next_run <= now).order_by(WatchRow.next_run)
        )
        return [_watch(r) for r in rows]

    def remove(self, watch_id: int) -> None:
        """Stop watching."""
        row = self.session.get(WatchRow, watch_id)
        if row is None:
            raise HaechiError(f"no watch with id {watch_id}")
        self.session.delete(row)

    def ran(
        self,
        watch_id: int,
        started: datetime,
        scan_id: int | None,
        error: str | None,
        retry_base: timedelta = RETRY_BASE,
    ) -> Watch:
        """Record a run; the next one is due one interval after this one started.

        After a failure the next run comes sooner: :func:`retry_delay` after this one started.
        """
        row = self.session.get(WatchRow, watch_id)
        if row is None:
            raise HaechiError(f"no watch with id {watch_id}")
        every = timedelta(seconds=row.every_seconds)
        row.failures = (row.failures or 0) + 1 if error is not None else 0
        row.last_run = started
        row.next_run = started + (retry_delay(every, row.failures, retry_base) if error else every)
        row.last_scan_id = scan_id if scan_id is not None else row.last_scan_id
        row.last_error = error
        row.runs += 1
        self.session.flush()
        return _watch(row)
