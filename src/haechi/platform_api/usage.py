"""What each request costs a key, counted in memory and written once a second.

The rate limit (requests a second, bursts up to one second's worth) is one token bucket per key
shared by every worker of the machine (:mod:`haechi.platform_api.ratelimit`). Per worker
process: pending counts per key (requests, hashes looked up, matches, refusals,
a sketch of distinct hashes) that a background thread adds to the key's row for the UTC day.
The daily quota is checked against the day's total as of the last write (every worker's) plus
this worker's pending hashes, so all workers together overshoot it by at most a second's
traffic. A key that looks up far more distinct hashes than its platform uploads
(:data:`FLAG_FACTOR` times its expected uploads a day, and at least :data:`FLAG_FLOOR`) is
flagged once, with an audit row, for an admin to look at.

"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt
from sqlalchemy import select

from haechi.audit.trail import AuditKind, record
from haechi.members.model import Actor
from haechi.platform_api import sketch
from haechi.platform_api.errors import OverLimit
from haechi.platform_api.keys import ApiKey
from haechi.platform_api.ratelimit import RateLimiter
from haechi.store.database import Database
from haechi.store.platform_api_models import ApiKeyRow, ApiKeyUsageRow

log = logging.getLogger(__name__)

FLAG_FACTOR = 10
FLAG_FLOOR = 1000
FLUSH_SECONDS = 1.0


@dataclass
class _Pending:
    requests: int = 0
    lookups: int = 0
    matches: int = 0
    refused: int = 0
    registers: npt.NDArray[np.uint8] = field(default_factory=sketch.empty)
    last_used: datetime | None = None


def seconds_to_midnight(now: datetime) -> int:
    """Seconds until the next UTC day, when daily quotas start again."""
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
    return max(1, int((tomorrow - now).total_seconds()))


class UsageBook:
    """One process's rate buckets and pending counts, and the thread that writes them."""

    def __init__(self, db: Database, clock: Callable[[], datetime], rates: RateLimiter) -> None:
        self.db = db
        self.clock = clock
        self.rates = rates
        self._lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._day_total: dict[tuple[int, date], int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- on the request path: memory only ----------------------------------------------------

    def admit(self, key: ApiKey, hashes: int) -> None:
        """Take one request of ``hashes`` lookups from the key's rate and quota, or refuse."""
        now = self.clock()
        with self._lock:
            self._ensure_thread()
            pending = self._pending_of(key.id)
            used = self._day_total.get((key.id, now.date()), 0) + pending.lookups
            if used + hashes > key.daily_quota:
                pending.refused += 1
                raise OverLimit(
                    f"over this key's daily quota of {key.daily_quota} lookups (UTC day)",
                    seconds_to_midnight(now),
                )
            wait = self.rates.admit(key.id, key.rate_per_second)
            if wait is not None:
                pending.refused += 1
                raise OverLimit(
                    f"over this key's rate of {key.rate_per_second} requests a second",
                    int(wait) + 1,
                )
            pending.requests += 1
            pending.lookups += hashes
            pending.last_used = now

    def note(self, key: ApiKey, hashes: Sequence[bytes], matches: int) -> None:
        """Count what a request looked up (a sketch of it) and how many matched."""
        with self._lock:
            pending = self._pending_of(key.id)
            pending.matches += matches
            sketch.add(pending.registers, hashes)

    def _pending_of(self, key_id: int) -> _Pending:
        """The key's pending counts (made on its first request since the last write)."""
        pending = self._pending.get(key_id)
        if pending is None:
            pending = self._pending[key_id] = _Pending()
        return pending

    # -- in the background ---------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="haechi-api-usage", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except Exception:
                log.exception("writing API key usage failed")

    def stop(self) -> None:
        """Write what is pending and stop the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def flush(self) -> None:
        """Add pending counts to the day's rows; flag keys over their distinct-hash bound."""
        now = self.clock()
        day = now.date()
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        try:
            totals = self._write(pending, day, now)
        except BaseException:
            with self._lock:  # put them back, to be written next time
                for key_id, p in pending.items():
                    mine = self._pending_of(key_id)
                    mine.requests += p.requests
                    mine.lookups += p.lookups
                    mine.matches += p.matches
                    mine.refused += p.refused
                    mine.registers = np.maximum(mine.registers, p.registers)
            raise
        with self._lock:
            for key_id, total in totals.items():
                self._day_total[(key_id, day)] = total

    def _write(self, pending: dict[int, _Pending], day: date, now: datetime) -> dict[int, int]:
        totals: dict[int, int] = {}
        with self.db.session() as session:
            for key_id, p in pending.items():
                row = session.scalar(
                    select(ApiKeyUsageRow).where(
                        ApiKeyUsageRow.key_id == key_id, ApiKeyUsageRow.day == day
                    )
                )
                if row is None:
                    row = ApiKeyUsageRow(
                        key_id=key_id,
                        day=day,
                        requests=0,
                        lookups=0,
                        matches=0,
                        refused=0,
                        distinct_sketch=b"",
                    )
                    session.add(row)
                row.requests += p.requests
                row.lookups += p.lookups
                row.matches += p.matches
                row.refused += p.refused
                merged = sketch.merge(row.distinct_sketch, p.registers)
                row.distinct_sketch = merged.tobytes()
                totals[key_id] = row.lookups
                key = session.get(ApiKeyRow, key_id)
                if key is None:
                    continue
                if p.last_used is not None:
                    key.last_used_at = p.last_used
                distinct = sketch.estimate(merged)
                bound = max(FLAG_FLOOR, FLAG_FACTOR * key.expected_daily)
                if key.flagged_at is None and distinct > bound:
                    key.flagged_at = now
                    key.flag_reason = (
                        f"about {distinct:,} distinct hashes on {day:%F}, over {bound:,} "
                        f"({FLAG_FACTOR}x the {key.expected_daily:,} uploads a day expected)"
                    )
                    record(
                        session,
                        AuditKind.API_KEY_FLAGGED,
                        Actor(None, "platform-api", None, "server"),
                        subject=(key.id, key.platform),
                        detail={"distinct": distinct, "bound": bound, "day": day.isoformat()},
                        now=now,
                    )
        return totals

    def refresh_totals(self, key_id: int) -> None:
        """Read the key's count for today (all workers') so that quotas see it."""
        day = self.clock().date()
        with self.db.session() as session:
            total = session.scalar(
                select(ApiKeyUsageRow.lookups).where(
                    ApiKeyUsageRow.key_id == key_id, ApiKeyUsageRow.day == day
                )
            )
        with self._lock:
            self._day_total[(key_id, day)] = int(total or 0)
