"""Storage of cases: references, what each case holds, and police reports with their wait.

A case holds what was added to it explicitly and, through the bank entries' ``case_ref``,
every entry registered under its reference and every hit of those entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from haechi.cases.model import Case, CaseMember, MemberKind, PoliceReport
from haechi.cases.references import check_reference, new_reference
from haechi.notices.errors import CaseError
from haechi.store.models import CaseMemberRow, CaseRow, EntryRow, HitRow, PoliceReportRow
from haechi.store.private_models import CasePersonalRow, ContactIndexRow


def _case(row: CaseRow) -> Case:
    return Case(row.id, row.ref, row.created_at, row.closed_at)


def _report(row: PoliceReportRow, ref: str) -> PoliceReport:
    return PoliceReport(
        row.id,
        ref,
        row.station,
        row.made_at,
        row.answer_due,
        timedelta(seconds=row.remind_every_seconds),
        row.last_reminded_at,
        row.answered_at,
        row.answer,
        row.package,
        row.pdf_sha256,
        row.bundle_sha256,
    )


class CaseStore:
    """Reads and writes cases within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, ref: str) -> CaseRow:
        row = self.session.scalar(select(CaseRow).where(CaseRow.ref == ref.strip()))
        if row is None:
            raise CaseError(f"no case {ref!r}; create it with `haechi case new`")
        return row

    def create(self, now: datetime, ref: str | None = None) -> Case:
        """A new case; its reference is made unless given (and then checked)."""
        chosen = check_reference(ref) if ref is not None else new_reference(now)
        row = CaseRow(ref=chosen, created_at=now)
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            raise CaseError(f"a case {chosen!r} already exists") from None
        return _case(row)

    def get(self, ref: str) -> Case:
        """One case by reference, or :class:`CaseError`."""
        return _case(self._row(ref))

    def all(self) -> list[Case]:
        """Every case, oldest first."""
        return [_case(r) for r in self.session.scalars(select(CaseRow).order_by(CaseRow.id))]

    def add(self, ref: str, kind: MemberKind, keys: Sequence[str], now: datetime) -> int:
        """Add entries, hits or captures to a case; returns how many were new to it.

        Entries and hits must exist; capture ids are checked by the caller against the
        evidence log, which the database does not hold.
        """
        case = self._row(ref)
        if kind is not MemberKind.CAPTURE:
            model = EntryRow if kind is MemberKind.ENTRY else HitRow
            ids = [int(k) for k in keys]
            known = set(self.session.scalars(select(model.id).where(model.id.in_(ids))))
            missing = [str(i) for i in ids if i not in known]
            if missing:
                raise CaseError(f"no {kind.value} with id {', '.join(missing)}")
        present = set(
            self.session.scalars(
                select(CaseMemberRow.key).where(
                    CaseMemberRow.case_id == case.id, CaseMemberRow.kind == kind.value
                )
            )
        )
        new = [k for k in dict.fromkeys(keys) if k not in present]
        for key in new:
            self.session.add(CaseMemberRow(case_id=case.id, kind=kind.value, key=key, added_at=now))
        self.session.flush()
        return len(new)

    def members(self, ref: str) -> list[CaseMember]:
        """What was added to a case explicitly, in the order added."""
        case = self._row(ref)
        rows = self.session.scalars(
            select(CaseMemberRow).where(CaseMemberRow.case_id == case.id).order_by(CaseMemberRow.id)
        )
        return [CaseMember(MemberKind(r.kind), r.key, r.added_at) for r in rows]

    def entry_ids(self, ref: str) -> list[int]:
        """Bank entries of a case: added to it, or registered under its reference."""
        case = self._row(ref)
        added = {int(m.key) for m in self.members(ref) if m.kind is MemberKind.ENTRY}
        tagged = set(self.session.scalars(select(EntryRow.id).where(EntryRow.case_ref == case.ref)))
        return sorted(added | tagged)

    def hit_ids(self, ref: str) -> list[int]:
        """Hits of a case: added to it, or hits of its entries."""
        added = {int(m.key) for m in self.members(ref) if m.kind is MemberKind.HIT}
        entries = self.entry_ids(ref)
        of_entries: set[int] = set()
        if entries:
            of_entries = set(
                self.session.scalars(select(HitRow.id).where(HitRow.entry_id.in_(entries)))
            )
        return sorted(added | of_entries)

    def capture_ids(self, ref: str) -> list[str]:
        """Captures added to a case explicitly."""
        return [m.key for m in self.members(ref) if m.kind is MemberKind.CAPTURE]

    # -- personal data (sealed; see haechi.cases.personal) --------------------------------

    def case_id(self, ref: str) -> int:
        """The row id of a case (its sealed personal data is bound to it)."""
        return self._row(ref).id

    def personal(self, ref: str) -> CasePersonalRow | None:
        """The sealed personal data of a case, if any was written."""
        return self.session.get(CasePersonalRow, self._row(ref).id)

    def put_personal(
        self, case_id: int, sealed: bytes, digests: Sequence[str], now: datetime, by: str
    ) -> None:
        """Replace a case's sealed personal data and its blind-index digests together."""
        row = self.session.get(CasePersonalRow, case_id)
        if row is None:
            row = CasePersonalRow(case_id=case_id, sealed=sealed, updated_at=now, updated_by=by)
            self.session.add(row)
        else:
            row.sealed, row.updated_at, row.updated_by = sealed, now, by
        self.session.execute(delete(ContactIndexRow).where(ContactIndexRow.case_id == case_id))
        self.session.add_all(ContactIndexRow(case_id=case_id, digest=d) for d in set(digests))
        self.session.flush()

    def refs_with_digests(self, digests: Sequence[str]) -> list[str]:
        """References of the cases one of whose contacts has one of ``digests``."""
        if not digests:
            return []
        rows = self.session.scalars(
            select(CaseRow.ref)
            .join(ContactIndexRow, ContactIndexRow.case_id == CaseRow.id)
            .where(ContactIndexRow.digest.in_(list(digests)))
            .distinct()
            .order_by(CaseRow.ref)
        )
        return list(rows)

    # -- police reports -----------------------------------------------------------------

    def add_report(
        self,
        ref: str,
        station: str,
        made_at: datetime,
        answer_due: datetime,
        remind_every: timedelta,
        package: str,
        pdf_sha256: str,
        bundle_sha256: str | None,
    ) -> PoliceReport:
        """Record a report package handed (or to be handed) to a station."""
        case = self._row(ref)
        row = PoliceReportRow(
            case_id=case.id,
            station=station,
            made_at=made_at,
            answer_due=answer_due,
            remind_every_seconds=int(remind_every.total_seconds()),
            package=package,
            pdf_sha256=pdf_sha256,
            bundle_sha256=bundle_sha256,
        )
        self.session.add(row)
        self.session.flush()
        return _report(row, case.ref)

    def reports(self, ref: str | None = None, waiting_only: bool = False) -> list[PoliceReport]:
        """Police reports, oldest first, of one case or of all."""
        query = (
            select(PoliceReportRow, CaseRow.ref)
            .join(CaseRow, CaseRow.id == PoliceReportRow.case_id)
            .order_by(PoliceReportRow.id)
        )
        if ref is not None:
            query = query.where(CaseRow.ref == ref.strip())
        if waiting_only:
            query = query.where(PoliceReportRow.answered_at.is_(None))
        return [_report(row, case_ref) for row, case_ref in self.session.execute(query)]

    def _report_row(self, report_id: int) -> PoliceReportRow:
        row = self.session.get(PoliceReportRow, report_id)
        if row is None:
            raise CaseError(f"no police report with id {report_id}")
        return row

    def answered(self, report_id: int, at: datetime, answer: str) -> PoliceReport:
        """Record the station's answer; reminders stop."""
        row = self._report_row(report_id)
        row.answered_at = at
        row.answer = answer
        self.session.flush()
        return self.reports_by_id(report_id)

    def reminded(self, report_id: int, at: datetime) -> PoliceReport:
        """Record that the group was reminded at ``at``."""
        row = self._report_row(report_id)
        row.last_reminded_at = at
        self.session.flush()
        return self.reports_by_id(report_id)

    def reports_by_id(self, report_id: int) -> PoliceReport:
        """One police report by id."""
        row = self._report_row(report_id)
        ref = self.session.scalar(select(CaseRow.ref).where(CaseRow.id == row.case_id))
        return _report(row, ref or "")
