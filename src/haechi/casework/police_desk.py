"""Police reports on the team's pages: making a package on the server, downloading it as one
zip (audited), recording when it reached the station and what the station answered, and the
waiting clock: days since it was handed over (or made, until that is recorded).

Packages made on the server are written under ``<home>/reports/`` (private like the rest of
the home); a package made at the console elsewhere is listed but can only be downloaded if
its folder is on this machine.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.cases import police
from haechi.cases.model import PoliceReport
from haechi.casework.paging import Page, paginate
from haechi.members.model import Actor
from haechi.notices.desk import Desk
from haechi.notices.errors import ReportError
from haechi.store.cases import CaseStore
from haechi.store.casework_models import PoliceDeliveryRow


@dataclass(frozen=True)
class ReportLine:
    """A police report with its handover and its waiting clock."""

    report: PoliceReport
    sent_at: datetime | None
    sent_by: str | None
    answered_by: str | None
    days_waiting: int | None  # None once answered

    def as_json(self) -> dict[str, Any]:
        return {
            **self.report.as_json(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "sent_by": self.sent_by,
            "answered_by": self.answered_by,
            "days_waiting": self.days_waiting,
        }


REPORT_SORTS = {
    "id": lambda r: r.report.id,
    "case": lambda r: r.report.case_ref,
    "station": lambda r: r.report.station,
    "made": lambda r: r.report.made_at,
    "waiting": lambda r: r.days_waiting,
}


def _line(report: PoliceReport, row: PoliceDeliveryRow | None, now: datetime) -> ReportLine:
    sent_at = row.sent_at if row else None
    start = sent_at or report.made_at
    days = None if report.answered_at else max(0, (now - start).days)
    return ReportLine(
        report, sent_at, row.sent_by if row else None, row.answered_by if row else None, days
    )


def lines(
    session: Session, now: datetime, *, case: str | None = None, waiting_only: bool = False
) -> list[ReportLine]:
    """Reports with their clocks, oldest first."""
    found = CaseStore(session).reports(case, waiting_only=waiting_only)
    rows = {
        r.report_id: r
        for r in session.scalars(
            select(PoliceDeliveryRow).where(PoliceDeliveryRow.report_id.in_([f.id for f in found]))
        )
    }
    return [_line(r, rows.get(r.id), now) for r in found]


def list_reports(
    session: Session,
    now: datetime,
    *,
    waiting_only: bool = False,
    sort: str = "waiting",
    order: str = "desc",
    page: int = 1,
    per_page: int = 50,
) -> Page[ReportLine]:
    """One page of police reports."""
    found = lines(session, now, waiting_only=waiting_only)
    return paginate(found, REPORT_SORTS, sort=sort, order=order, page=page, per_page=per_page)


def one(session: Session, now: datetime, report_id: int) -> ReportLine:
    """One report with its clock."""
    report = CaseStore(session).reports_by_id(report_id)
    return _line(report, session.get(PoliceDeliveryRow, report_id), now)


def reports_dir(home: Path) -> Path:
    """Where the server writes packages."""
    return home / "reports"


def make_package(desk: Desk, home: Path, ref: str, station: str) -> police.ReportPackage:
    """Make a case's package on the server (the same code as ``haechi report make``)."""
    return police.make_police_report(desk, ref, station, reports_dir(home))


def _row(session: Session, report_id: int) -> PoliceDeliveryRow:
    CaseStore(session).reports_by_id(report_id)  # an unknown report is named
    row = session.get(PoliceDeliveryRow, report_id)
    if row is None:
        row = PoliceDeliveryRow(report_id=report_id)
        session.add(row)
    return row


def mark_sent(session: Session, actor: Actor, report_id: int, *, now: datetime) -> ReportLine:
    """Record that the package reached its station: the waiting clock counts from now."""
    row = _row(session, report_id)
    if row.sent_at is None:
        row.sent_at, row.sent_by = now, actor.name
    session.flush()
    return one(session, now, report_id)


def record_answer(desk: Desk, report_id: int, answer: str) -> ReportLine:
    """Record the station's answer (:func:`haechi.cases.police.record_answer`) and who did."""
    police.record_answer(desk, report_id, answer)
    now = desk.clock()
    with desk.db.session() as session:
        _row(session, report_id).answered_by = desk.actor.name
        session.flush()
        return one(session, now, report_id)


def package_zip(session: Session, actor: Actor, report_id: int, *, now: datetime) -> bytes:
    """The package's files as one zip (the folder as written, whatever it holds: report.pdf,
    evidence.wacz, hits.json, a signed credential, SHA256SUMS, which still checks);
    the download is audited, since the package carries the evidence itself."""
    report = CaseStore(session).reports_by_id(report_id)
    folder = Path(report.package)
    if not folder.is_absolute() or not folder.is_dir():
        raise ReportError(
            f"the package of report {report_id} is not on this server ({report.package}); "
            "it was made at a console elsewhere"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.is_symlink():
                archive.write(path, f"{folder.name}/{path.name}")
    record(
        session,
        AuditKind.POLICE_PACKAGE_DOWNLOADED,
        actor,
        detail={"report": report_id, "case": report.case_ref},
        now=now,
    )
    return buffer.getvalue()
