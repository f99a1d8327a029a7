"""Which cases a hit or a bank entry belongs to, and which cases hold personal data: what the
redactor (:mod:`haechi.redaction.cases`) needs to know whose data to look for."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.cases.model import MemberKind
from haechi.store.models import CaseMemberRow, CaseRow, EntryRow, HitRow
from haechi.store.private_models import CasePersonalRow


def cases_of_hits(session: Session, hit_ids: Iterable[int]) -> list[str]:
    """References of the cases holding any of ``hit_ids``: through their entries' case, or
    added to a case explicitly (as the hit or its entry)."""
    ids = sorted(set(hit_ids))
    if not ids:
        return []
    entries = set(session.scalars(select(HitRow.entry_id).where(HitRow.id.in_(ids))))
    refs = set(
        session.scalars(
            select(EntryRow.case_ref).where(
                EntryRow.id.in_(entries), EntryRow.case_ref.is_not(None)
            )
        )
    )
    keys = [(MemberKind.HIT.value, str(i)) for i in ids] + [
        (MemberKind.ENTRY.value, str(e)) for e in entries
    ]
    added = session.execute(
        select(CaseRow.ref, CaseMemberRow.kind, CaseMemberRow.key)
        .join(CaseRow, CaseRow.id == CaseMemberRow.case_id)
        .where(CaseMemberRow.key.in_([k for _, k in keys]))
    )
    wanted = set(keys)
    refs |= {ref for ref, kind, key in added if (kind, key) in wanted}
    return sorted(r for r in refs if r)


def cases_with_personal(session: Session) -> list[tuple[int, str]]:
    """(row id, reference) of every case that holds sealed personal data."""
    rows = session.execute(
        select(CaseRow.id, CaseRow.ref)
        .join(CasePersonalRow, CasePersonalRow.case_id == CaseRow.id)
        .order_by(CaseRow.id)
    )
    return [(i, r) for i, r in rows]
