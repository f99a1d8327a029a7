"""The terms to look for, opened from the cases' sealed personal data.

The redactor opens a case's personal data through the same sealing code as every reader
(:func:`haechi.cases.personal.open_personal`) but shows it to no one: the values become
patterns inside a :class:`~haechi.redaction.terms.Terms` (whose ``repr`` shows counts only)
and are used only to take the data out of what leaves the team. That is why this read is not
a "view" in the audit trail; each outgoing document records its own audit row, with the
statement's counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from haechi.cases.personal import open_personal
from haechi.crypto.vault import vault_of
from haechi.notices.errors import CaseError
from haechi.redaction.terms import Terms, combine
from haechi.store.cases import CaseStore
from haechi.store.redaction import cases_of_hits, cases_with_personal


def case_terms(session: Session, refs: Iterable[str]) -> Terms:
    """The terms of the cases ``refs`` (a case without personal data adds none)."""
    store = CaseStore(session)
    found = []
    for ref in dict.fromkeys(refs):
        try:
            row = store.personal(ref)
        except CaseError:  # a reference no case was opened for holds no personal data
            continue
        if row is None:
            continue
        data = open_personal(vault_of(session), store.case_id(ref), row.sealed)
        found.append(Terms.of(data.name, data.contacts, data.school, data.workplace))
    return combine(found)


def hit_terms(session: Session, hit_ids: Iterable[int]) -> Terms:
    """The terms of every case the hits belong to."""
    return case_terms(session, cases_of_hits(session, hit_ids))


def all_terms(session: Session) -> Terms:
    """Every case's terms: for documents about no one case (the public report)."""
    vault = vault_of(session)
    store = CaseStore(session)
    found = []
    for case_id, ref in cases_with_personal(session):
        row = store.personal(ref)
        if row is not None:
            data = open_personal(vault, case_id, row.sealed)
            found.append(Terms.of(data.name, data.contacts, data.school, data.workplace))
    return combine(found)
