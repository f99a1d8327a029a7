"""Watch lists: sources re-scanned on a schedule, and how their last run went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.errors import HaechiError
from haechi.store.models import WatchRow


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

    def due(self, now: datetime) -> bool:
        """Whether the watch should run at ``now``."""
        return self.next_run <= now


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
        self, watch_id: int, started: datetime, scan_id: int | None, error: str | None
    ) -> Watch:
        """Record a run; the next one is due one interval after this one started."""
        row = self.session.get(WatchRow, watch_id)
        if row is None:
            raise HaechiError(f"no watch with id {watch_id}")
        row.last_run = started
        row.next_run = started + timedelta(seconds=row.every_seconds)
        row.last_scan_id = scan_id if scan_id is not None else row.last_scan_id
        row.last_error = error
        row.runs += 1
        self.session.flush()
        return _watch(row)
