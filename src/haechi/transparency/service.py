"""Making, publishing and withdrawing public reports: the one service the command line, the
team's pages and the public page call.

Making a report computes the period's figures, renders its files, signs their manifest and
records the report (files and all) in the database, unpublished; an admin then publishes it
to the public page, or withdraws it. A newer report of a period replaces an older one on the
page when published. Every step is audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.errors import NotAllowed
from haechi.members.model import Actor, Role
from haechi.store.transparency_models import TransparencyFileRow, TransparencyReportRow
from haechi.transparency.errors import TransparencyError
from haechi.transparency.period import DEFAULT_ZONE, parse_period
from haechi.transparency.render import report_files
from haechi.transparency.report import PublicReport, build_report
from haechi.transparency.signing import MANIFEST, digests, sign_manifest
from haechi.transparency.suppression import DEFAULT_THRESHOLD
from haechi.trust.config import TrustConfig

FILE_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
}


@dataclass(frozen=True)
class StoredReport:
    """A report as recorded: its figures, files' digests, code and publication."""

    id: int
    period: str
    made_at: datetime
    made_by: str
    code: str
    files: dict[str, str]
    report: PublicReport
    published_at: datetime | None
    withdrawn_at: datetime | None

    @property
    def public(self) -> bool:
        """Shown on the public page."""
        return self.published_at is not None and self.withdrawn_at is None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form (without the figures)."""
        return {
            "id": self.id,
            "period": self.period,
            "made_at": self.made_at.isoformat(),
            "made_by": self.made_by,
            "code": self.code,
            "files": self.files,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
        }

    def public_json(self) -> dict[str, Any]:
        """What the public may know of a published report (no member's name)."""
        base = f"/transparency/{self.period}"
        return {
            "period": self.period,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "code": self.code,
            "files": self.files,
            "figures": f"/api/v1{base}",
            "page": base,
            "downloads": {name: f"{base}/{name}" for name in self.files},
        }


def _stored(session: Session, row: TransparencyReportRow) -> StoredReport:
    files = session.execute(
        select(TransparencyFileRow.name, TransparencyFileRow.sha256)
        .where(TransparencyFileRow.report_id == row.id)
        .order_by(TransparencyFileRow.name)
    )
    return StoredReport(
        row.id,
        row.period,
        row.made_at,
        row.made_by,
        row.code,
        {name: digest for name, digest in files},
        PublicReport.from_json(json.loads(row.figures)),
        row.published_at,
        row.withdrawn_at,
    )


def make_report(
    session: Session,
    config: TrustConfig,
    actor: Actor,
    period_text: str,
    now: datetime,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    time_zone: str = DEFAULT_ZONE,
) -> tuple[StoredReport, dict[str, bytes]]:
    """Make and record the report of ``period_text`` as of ``now``; returns it and its files
    (``manifest.json`` included), not yet published."""
    period = parse_period(period_text, time_zone)
    if period.window.start >= now:
        raise TransparencyError(f"period {period.name} has not begun yet: nothing to report")
    report = build_report(session, period, now, threshold, config.organisation)
    files = report_files(report)
    manifest, published = sign_manifest(session, config, period.name, threshold, now, files)
    files[MANIFEST] = manifest
    row = TransparencyReportRow(
        period=period.name,
        time_zone=time_zone,
        threshold=threshold,
        made_at=now,
        made_by=actor.name,
        figures=json.dumps(report.as_json(), ensure_ascii=False),
        manifest=manifest.decode("utf-8"),
        code=published.code,
    )
    session.add(row)
    session.flush()
    for name, digest in digests(files).items():
        session.add(
            TransparencyFileRow(report_id=row.id, name=name, sha256=digest, content=files[name])
        )
    session.flush()
    record(
        session,
        AuditKind.TRANSPARENCY_MADE,
        actor,
        subject=(row.id, period.name),
        detail={"period": period.name, "threshold": threshold, "code": published.code},
        now=now,
    )
    return _stored(session, row), files


def write_files(files: dict[str, bytes], folder: Path) -> list[Path]:
    """Write a report's files into ``folder`` (made if needed); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in sorted(files):
        path = folder / name
        path.write_bytes(files[name])
        paths.append(path)
    return paths


def _row(session: Session, report_id: int) -> TransparencyReportRow:
    row = session.get(TransparencyReportRow, report_id)
    if row is None:
        raise TransparencyError(f"no transparency report {report_id}")
    return row


def _admin(actor: Actor, what: str) -> None:
    if actor.role is Role.ADMIN or (actor.member_id is None and actor.name == "console"):
        return
    raise NotAllowed(f"only an admin may {what} a public report")


def publish_report(session: Session, actor: Actor, report_id: int, now: datetime) -> StoredReport:
    """Show report ``report_id`` on the public page (an admin's choice; audited)."""
    _admin(actor, "publish")
    row = _row(session, report_id)
    if row.published_at is not None and row.withdrawn_at is None:
        raise TransparencyError(f"report {report_id} is already published")
    row.published_at, row.published_by = now, actor.name
    row.withdrawn_at = row.withdrawn_by = None
    record(
        session,
        AuditKind.TRANSPARENCY_PUBLISHED,
        actor,
        subject=(row.id, row.period),
        detail={"period": row.period},
        now=now,
    )
    return _stored(session, row)


def withdraw_report(session: Session, actor: Actor, report_id: int, now: datetime) -> StoredReport:
    """Take report ``report_id`` off the public page (audited)."""
    _admin(actor, "withdraw")
    row = _row(session, report_id)
    if row.published_at is None or row.withdrawn_at is not None:
        raise TransparencyError(f"report {report_id} is not published")
    row.withdrawn_at, row.withdrawn_by = now, actor.name
    record(
        session,
        AuditKind.TRANSPARENCY_WITHDRAWN,
        actor,
        subject=(row.id, row.period),
        detail={"period": row.period},
        now=now,
    )
    return _stored(session, row)


def all_reports(session: Session) -> list[StoredReport]:
    """Every report made, newest first (the team's list)."""
    rows = session.scalars(
        select(TransparencyReportRow).order_by(TransparencyReportRow.id.desc())
    ).all()
    return [_stored(session, r) for r in rows]


def published_reports(session: Session) -> list[StoredReport]:
    """The public page's reports: per period, the latest one published and not withdrawn."""
    rows = session.scalars(
        select(TransparencyReportRow)
        .where(
            TransparencyReportRow.published_at.is_not(None),
            TransparencyReportRow.withdrawn_at.is_(None),
        )
        .order_by(TransparencyReportRow.published_at.desc(), TransparencyReportRow.id.desc())
    ).all()
    seen: dict[str, TransparencyReportRow] = {}
    for row in rows:
        seen.setdefault(row.period, row)
    ordered = sorted(seen.values(), key=lambda r: r.period, reverse=True)
    return [_stored(session, r) for r in ordered]


def published_report(session: Session, period: str) -> StoredReport:
    """The published report of ``period`` (:class:`TransparencyError` when there is none)."""
    wanted = period.strip().upper()
    found = next((r for r in published_reports(session) if r.period == wanted), None)
    if found is None:
        raise TransparencyError(f"no published transparency report for {period}")
    return found


def published_file(session: Session, period: str, name: str) -> tuple[bytes, str]:
    """A file of the published report of ``period``, with its media type."""
    report = published_report(session, period)
    content = session.scalar(
        select(TransparencyFileRow.content).where(
            TransparencyFileRow.report_id == report.id, TransparencyFileRow.name == name
        )
    )
    if content is None:
        raise TransparencyError(f"the report of {report.period} has no file {name}")
    return content, FILE_TYPES.get(Path(name).suffix, "application/octet-stream")
