"""The register's, the watches' and the jobs' lists, paginated and sorted like every list of
the pages.

Banks and watches are few (a team has tens), so they are sorted in memory by
:func:`haechi.casework.paging.paginate`; a watch's history grows by a scan per run (four a
day for years) and the jobs by every scheduled run, so those are sorted and cut in SQL.
Pages, JSON API and tests share these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from haechi.banks.model import Bank
from haechi.banks.service import list_banks
from haechi.casework.paging import MAX_PER_PAGE, PER_PAGE, ListingError, Page, paginate
from haechi.jobs.model import Job, JobError, JobKind, JobState
from haechi.notices.stats import PlatformStats
from haechi.scan.watching import list_watches
from haechi.store.database import Database
from haechi.store.job_models import JobRow
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

JOB_SORTS = {
    "id": JobRow.id,
    "kind": JobRow.kind,
    "state": JobRow.state,
    "created": JobRow.created_at,
    "finished": JobRow.finished_at,
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


def _sql_page(
    session: Session,
    query: Select[Any],
    sorts: Mapping[str, Any],
    tie: Any,
    *,
    sort: str,
    order: str,
    page: int,
    per_page: int,
) -> tuple[list[Any], int]:
    """One page of ``query``'s rows sorted in SQL by a named column (empty values last,
    ``tie`` breaking ties) and the number of rows in all."""
    if sort not in sorts:
        raise ListingError(f"unknown sort {sort!r}; choices: {', '.join(sorts)}")
    if order not in ("asc", "desc"):
        raise ListingError("order is asc or desc")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ListingError(f"pages count from 1, with 1 to {MAX_PER_PAGE} items each")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    column = sorts[sort]
    keys = (column.desc(), tie.desc()) if order == "desc" else (column.asc(), tie.asc())
    rows = session.scalars(
        query.order_by(column.is_(None), *keys).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


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
    query = select(ScanRow).where(ScanRow.target == watch.target)
    rows, total = _sql_page(
        session,
        query,
        HISTORY_SORTS,
        ScanRow.id,
        sort=sort,
        order=order,
        page=page,
        per_page=per_page,
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


def job_list(
    session: Session,
    *,
    state: str | None = None,
    kind: str | None = None,
    sort: str = "id",
    order: str = "desc",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[Job]:
    """One page of the jobs (the scheduler's runs and members' scans), filtered by state and
    kind names (checked) and sorted in SQL (sort: id, kind, state, created, finished)."""
    try:
        state_value = JobState(state).value if state else None
        kind_value = JobKind(kind).value if kind else None
    except ValueError:
        raise JobError(f"states: {', '.join(JobState)}; kinds: {', '.join(JobKind)}") from None
    query = select(JobRow)
    if state_value:
        query = query.where(JobRow.state == state_value)
    if kind_value:
        query = query.where(JobRow.kind == kind_value)
    rows, total = _sql_page(
        session,
        query,
        JOB_SORTS,
        JobRow.id,
        sort=sort,
        order=order,
        page=page,
        per_page=per_page,
    )
    return Page([Job.from_row(r) for r in rows], total, page, per_page, sort, order == "desc")
