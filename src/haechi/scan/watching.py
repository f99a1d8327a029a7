"""Watch lists: re-scan due sources, record each run's outcome, never stop at one failure.

Perpetrators move and sites go down, and a watched site may be built to break scanners. Each
watch runs on its own: whatever it raises (a :class:`HaechiError` or anything else) is recorded
as its ``last_error`` with the exception's type, it is retried later with back-off (see
:func:`haechi.store.watches.retry_delay`), and the other watches still run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from haechi.errors import HaechiError
from haechi.scan.intake import save_telegram_marks, save_validators
from haechi.scan.model import ScanReport
from haechi.scan.pipeline import Scanner
from haechi.scan.preserve import EvidenceKeeper
from haechi.settings import Settings
from haechi.sources import SourceOptions, open_source
from haechi.sources.records import error_text
from haechi.store.database import Database
from haechi.store.watches import Watch, WatchStore

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_interval(text: str) -> timedelta:
    """``"30m"``, ``"6h"``, ``"1d"``, ``"1h30m"`` as a timedelta."""
    parts = re.findall(r"(\d+)\s*([smhdw])", text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != re.sub(r"\s", "", text.lower()):
        raise HaechiError(f"{text!r} is not an interval like 30m, 6h or 1d")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


@dataclass(frozen=True)
class WatchRun:
    """One watch's run: the scan it made, or the error that stopped it."""

    watch: Watch
    report: ScanReport | None
    error: str | None


def watch_json(watch: Watch) -> dict[str, Any]:
    """The stable JSON form of a watch."""
    return {
        "id": watch.id,
        "target": watch.target,
        "kind": watch.kind,
        "every_seconds": int(watch.every.total_seconds()),
        "last_run": watch.last_run.isoformat() if watch.last_run else None,
        "next_run": watch.next_run.isoformat(),
        "last_scan": watch.last_scan_id,
        "last_error": watch.last_error,
        "runs": watch.runs,
        "failures": watch.failures,
    }


def run_due_watches(
    db: Database,
    settings: Settings,
    options: SourceOptions,
    clock: Callable[[], datetime],
    keeper: EvidenceKeeper | None = None,
) -> list[WatchRun]:
    """Run every watch due at ``clock()``; each run is recorded whatever its outcome."""
    with db.session() as session:
        due = WatchStore(session).due(clock())
    if not due:
        return []
    scanner = Scanner(db, settings, keeper)
    runs = []
    for watch in due:
        started = clock()
        report: ScanReport | None = None
        error: str | None = None
        try:
            source = open_source(watch.target, watch.kind, options)
            report = scanner.scan_source(source, watch.target)
            save_validators(options)
            save_telegram_marks(settings, source)
            # A site that is down or gone is a failed run (retried with back-off), not a quiet
            # run that found nothing.
            failed_target = report.target_failure()
            if failed_target is not None:
                error = f"the target failed: {failed_target}"
        except HaechiError as exc:
            error = str(exc)
        except Exception as exc:  # one watch's failure, recorded; the others still run
            error = error_text(exc)
        with db.session() as session:
            updated = WatchStore(session).ran(
                watch.id, started, report.scan_id if report else None, error
            )
        runs.append(WatchRun(updated, report, error))
    return runs


def add_watch(db: Database, target: str, kind: str | None, every: str, now: datetime) -> Watch:
    """Watch ``target`` every ``every`` (``30m``, ``6h``, ``1d``); the first run is due now."""
    interval = parse_interval(every)
    with db.session() as session:
        return WatchStore(session).add(target, kind, interval, now)


def list_watches(db: Database) -> list[Watch]:
    """Every watch with its last run, next run, failures in a row and last error."""
    with db.session() as session:
        return WatchStore(session).all()


def remove_watch(db: Database, watch_id: int) -> None:
    """Stop watching a source (its scans and hits stay)."""
    with db.session() as session:
        WatchStore(session).remove(watch_id)
