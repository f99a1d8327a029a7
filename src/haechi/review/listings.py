"""The register's and the watches' lists, paginated and sorted like every list of the pages.

Banks and watches are few (a team has tens), so they are sorted in memory by
:func:`haechi.casework.paging.paginate`; a watch's history grows by a scan per run (four a
day for years), so it is sorted and cut in SQL. Pages, JSON API and tests share these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haechi.banks.model import Bank
from haechi.banks.service import list_banks
from haechi.casework.paging import MAX_PER_PAGE, PER_PAGE, ListingError, Page, paginate
from haechi.notices.stats import PlatformStats
from haechi.scan.watching import list_watches
from haechi.store.database import Database
from haechi.store.models import ScanRow
from haechi.store.watches import Watch


@dataclass(frozen=True)
class ScanRecord:
    """One scan of a watched source."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    seen: int
    hashed: int
    failed: int
    hits: int


BANK_SORTS: Mapping[str, Callable[[Bank], Any]] = {
    "name": lambda b: b.name,
    "entries": lambda b: b.entries,
    "created": lambda b: b.created_at,
}

WATCH_SORTS: Mapping[str, Callable[[Watch], Any]] = {
    "id": lambda w: w.id,
    "target": lambda w: w.target,
    "every": lambda w: w.every,
    "last_run": lambda w: w.last_run,
    "next_run": lambda w: w.next_run,
    "runs": lambda w: w.runs,
    "failures": lambda w: w.failures,
}

STATS_SORTS: Mapping[str, Callable[[PlatformStats], Any]] = {
    "platform": lambda s: s.platform,
    "sent": lambda s: s.notices_sent,
    "reported": lambda s: s.items_reported,
    "removed": lambda s: s.items_removed,
    "median": lambda s: s.median_hours,
    "p90": lambda s: s.p90_hours,
    "never": lambda s: s.never_removed_share,
    "reuploads": lambda s: s.reuploads,
}

HISTORY_SORTS = {
    "scan": ScanRow.id,
    "started": ScanRow.started_at,
    "finished": ScanRow.finished_at,
    "failed": ScanRow.files_failed,
    "hits": ScanRow.hits_found,
}


def bank_list(
    db: Database, *, sort: str = "name", order: str = "asc", page: int = 1, per_page: int = PER_PAGE
) -> Page[Bank]:
    """One page of the banks with their live entries (sort: name, entries, created)."""
    return paginate(
        list_banks(db), BANK_SORTS, sort=sort, order=order, page=page, per_page=per_page
    )


def watch_list(
    db: Database, *, sort: str = "id", order: str = "asc", page: int = 1, per_page: int = PER_PAGE
) -> Page[Watch]:
    """One page of the watches (sort: id, target, every, last_run, next_run, runs, failures)."""
    return paginate(
        list_watches(db), WATCH_SORTS, sort=sort, order=order, page=page, per_page=per_page
    )


def find_watch(db: Database, watch_id: int) -> Watch | None:
    """The watch with this id, if there is one."""
    return next((w for w in list_watches(db) if w.id == watch_id), None)


def stats_table(
    figures: list[PlatformStats],
    *,
    sort: str = "platform",
    order: str = "asc",
    page: int = 1,
    per_page: int = MAX_PER_PAGE,
) -> Page[PlatformStats]:
    """The statistics' table rows, sorted (platform, sent, reported, removed, median, p90,
    never, reuploads); figures not known yet sort last."""
    return paginate(figures, STATS_SORTS, sort=sort, order=order, page=page, per_page=per_page)


def watch_history(
    session: Session,
    watch: Watch,
    *,
    sort: str = "scan",
    order: str = "desc",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[ScanRecord]:
    """One page of the watch's scans (scans of its target), sorted in SQL (sort: scan,
    started, finished, failed, hits)."""
    if sort not in HISTORY_SORTS:
        raise ListingError(f"unknown sort {sort!r}; choices: {', '.join(HISTORY_SORTS)}")
    if order not in ("asc", "desc"):
        raise ListingError("order is asc or desc")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ListingError(f"pages count from 1, with 1 to {MAX_PER_PAGE} items each")
    mine = ScanRow.target == watch.target
    total = session.scalar(select(func.count()).select_from(ScanRow).where(mine)) or 0
    column = HISTORY_SORTS[sort]
    key = column.desc() if order == "desc" else column.asc()
    tie = ScanRow.id.desc() if order == "desc" else ScanRow.id.asc()
    rows = session.scalars(
        select(ScanRow)
        .where(mine)
        .order_by(column.is_(None), key, tie)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [
        ScanRecord(
            r.id,
            r.started_at,
            r.finished_at,
            r.files_seen,
            r.files_hashed,
            r.files_failed,
            r.hits_found,
        )
        for r in rows
    ]
    return Page(items, total, page, per_page, sort, order == "desc")
