"""Cases: what a victim's case holds, gathered from the banks, the hits, the evidence log and
the notices, under its pseudonymous reference.

A case is a folder of references, not a copy: entries registered with ``--case REF`` belong
to it, their hits follow, and anything else can be added by id. Personal data (names,
contacts) waits for the web app's encrypted store; nothing here keeps any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from haechi.banks.model import BankEntry
from haechi.cases.model import Case, MemberKind, PoliceReport
from haechi.evidence import Capture
from haechi.notices.desk import Desk
from haechi.notices.errors import CaseError
from haechi.notices.model import Decision, Notice
from haechi.scan.model import Hit
from haechi.store.banks import BankStore
from haechi.store.cases import CaseStore
from haechi.store.database import Database
from haechi.store.notices import NoticeStore, ReviewStore


@dataclass(frozen=True)
class CaseView:
    """Everything a case holds, resolved."""

    case: Case
    entries: tuple[BankEntry, ...]
    hits: tuple[Hit, ...]
    decisions: dict[int, Decision]
    captures: tuple[Capture, ...]
    notices: tuple[Notice, ...]
    reports: tuple[PoliceReport, ...]

    @property
    def reportable_hits(self) -> tuple[Hit, ...]:
        """Hits not rejected in review (rejected ones were false matches)."""
        return tuple(h for h in self.hits if self.decisions.get(h.id) is not Decision.REJECTED)

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            **self.case.as_json(),
            "entries": [
                {"entry": e.id, "bank": e.bank, "label": e.label, "withdrawn": bool(e.withdrawn_at)}
                for e in self.entries
            ],
            "hits": [
                {**h.as_json(), "review": d.value if (d := self.decisions.get(h.id)) else None}
                for h in self.hits
            ],
            "captures": [
                {"id": c.id, "url": c.url, "sealed": c.sealed, "destroyed": c.destroyed}
                for c in self.captures
            ],
            "notices": [
                {"id": n.id, "platform": n.platform, "kind": n.kind.value, "status": n.status.value}
                for n in self.notices
            ],
            "police_reports": [r.as_json() for r in self.reports],
        }


def new_case(desk: Desk, ref: str | None = None) -> Case:
    """Open a case (its reference made unless given)."""
    with desk.db.session() as session:
        return CaseStore(session).create(desk.clock(), ref)


def ensure_case(db: Database, ref: str, now: datetime) -> tuple[Case, bool]:
    """The case ``ref``, opened now if it does not exist yet; ``True`` when it was opened.

    Registering with ``bank add --case REF`` names a case; without it, ``report make REF``
    would fail later, far from the mistake. A bad reference fails here, before any hashing.
    """
    with db.session() as session:
        cases = CaseStore(session)
        try:
            return cases.get(ref), False
        except CaseError:
            return cases.create(now, ref), True


def add_to_case(desk: Desk, ref: str, kind: MemberKind, keys: Sequence[str]) -> int:
    """Add entries, hits or captures to a case; returns how many were new to it."""
    if not keys:
        raise CaseError("name at least one id to add")
    if kind is MemberKind.CAPTURE:
        citations = desk.citations()
        unknown = [k for k in keys if citations.get(k) is None]
        if unknown:
            raise CaseError(f"no capture {', '.join(unknown)} in the evidence log")
    elif not all(k.isdigit() for k in keys):
        raise CaseError(f"{kind.value} ids are numbers")
    with desk.db.session() as session:
        return CaseStore(session).add(ref, kind, list(keys), desk.clock())


def show_case(desk: Desk, ref: str) -> CaseView:
    """A case with its entries, hits, captures, notices and police reports."""
    with desk.db.session() as session:
        cases = CaseStore(session)
        case = cases.get(ref)
        banks = BankStore(session)
        entries = tuple(banks.entry(e) for e in cases.entry_ids(ref))
        reviews = ReviewStore(session)
        hits = tuple(reviews.hits(cases.hit_ids(ref)))
        decisions = reviews.decisions(h.id for h in hits)
        hit_ids = {h.id for h in hits}
        notices = tuple(
            n for n in NoticeStore(session).find() if any(i.hit_id in hit_ids for i in n.items)
        )
        explicit = cases.capture_ids(ref)
        reports = tuple(cases.reports(ref))
    citations = desk.citations()
    captures = {c.id: c for c in citations.all_for_hits(sorted(hit_ids))}
    for capture_id in explicit:
        found = citations.get(capture_id)
        if found is not None:
            captures.setdefault(found.id, found)
    ordered = tuple(sorted(captures.values(), key=lambda c: c.log_seq))
    return CaseView(case, entries, hits, decisions, ordered, notices, reports)
