"""Prometheus metrics of a home, for the server's ``/metrics``.

Counts are read from the database at scrape time by one collector (no counters to lose at a
restart, and the numbers agree with what the CLI shows): scans, hits, captures, notices by
state, failed files and failing watches, backups and drills. Lookup latency is measured where
the lookups run, with :data:`LOOKUP_SECONDS` (:func:`observe_lookup`), in the same process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from haechi.store.database import Database
from haechi.store.models import HitCaptureRow, HitRow, NoticeRow, ScanRow, WatchRow
from haechi.store.ops_models import BackupRow, DrillRow

LOOKUP_SECONDS = Histogram(
    "haechi_lookup_seconds",
    "Time to match one media item's hashes against the banks.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=None,
)


def observe_lookup(seconds: float) -> None:
    """Record one lookup's duration."""
    LOOKUP_SECONDS.observe(seconds)


@contextmanager
def timed_lookup() -> Iterator[None]:
    """Time the block as one lookup."""
    start = perf_counter()
    try:
        yield
    finally:
        observe_lookup(perf_counter() - start)


class HomeCollector(Collector):
    """Reads the counts of one home's database at each scrape."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self.db.session() as session:
            scans = session.scalar(select(func.count(ScanRow.id))) or 0
            failed = session.scalar(select(func.coalesce(func.sum(ScanRow.files_failed), 0))) or 0
            hits = session.scalar(select(func.count(HitRow.id))) or 0
            captures = session.scalar(select(func.count(HitCaptureRow.id))) or 0
            notices = session.execute(
                select(NoticeRow.status, func.count(NoticeRow.id)).group_by(NoticeRow.status)
            ).all()
            failing = session.scalar(select(func.count(WatchRow.id)).where(WatchRow.failures > 0))
            backup = session.scalar(select(func.max(BackupRow.made_at)))
            drill = session.scalar(select(func.max(DrillRow.ran_at)).where(DrillRow.ok.is_(True)))
        yield CounterMetricFamily("haechi_scans", "Scans run.", value=scans)
        yield CounterMetricFamily("haechi_hits", "Hits recorded.", value=hits)
        yield CounterMetricFamily("haechi_captures", "Sealed captures of hits.", value=captures)
        yield CounterMetricFamily(
            "haechi_scan_failed_files", "Files or pages scans could not read.", value=failed
        )
        by_state = GaugeMetricFamily("haechi_notices", "Notices by state.", labels=["state"])
        for state, count in notices:
            by_state.add_metric([state], count)
        yield by_state
        yield GaugeMetricFamily(
            "haechi_watches_failing", "Watches whose last run failed.", value=failing or 0
        )
        last = GaugeMetricFamily(
            "haechi_last_success_timestamp_seconds",
            "When the last backup was made and the last good restore drill ran.",
            labels=["job"],
        )
        if backup is not None:
            last.add_metric(["backup"], _as_utc(backup))
        if drill is not None:
            last.add_metric(["drill"], _as_utc(drill))
        yield last


def _as_utc(moment: object) -> float:
    from datetime import UTC, datetime

    assert isinstance(moment, datetime)
    value = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return value.timestamp()


def registry_for(db: Database) -> CollectorRegistry:
    """A registry with the home's counts and the lookup latency."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(HomeCollector(db))
    registry.register(LOOKUP_SECONDS)
    return registry


def render(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The exposition body and its content type."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
