"""What a reviewer needs to decide a reported false positive: where the matched entry came from.

A platform says a match was not that picture; the person deciding sees, beside the report, the
entry's bank and registration (when, and by whom as the audit trail recorded it: a member's
registration, or a victim's own through intake and the reviewer who approved it), how far the
reported hash lies from the entry's own PDQ hashes, and for decided reports who decided. Never
the entry's label or case (which may name a victim) and never a picture.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind
from haechi.hashing.signals import SignalKind
from haechi.platform_api.feedback import PENDING, Feedback
from haechi.store.intake_models import IntakeEntryRow
from haechi.store.member_models import AuditRow
from haechi.store.models import BankRow, EntryRow, SignalRow
from haechi.store.platform_api_models import ApiKeyRow, PlatformFeedbackRow

RECENT = 50
"""Decided reports shown below the queue."""


@dataclass(frozen=True)
class EntryProvenance:
    """Where a bank entry came from, as far as the database and the audit trail say."""

    entry_id: int
    bank: str
    added_at: datetime
    registered_by: str | None
    """A member's name; ``"intake"`` for a victim's own registration; ``None`` if unrecorded."""
    approved_by: str | None
    """For intake entries: the reviewer who approved them."""

    def as_json(self) -> dict[str, object]:
        return {
            "entry_id": self.entry_id,
            "bank": self.bank,
            "added_at": self.added_at.isoformat(),
            "registered_by": self.registered_by,
            "approved_by": self.approved_by,
        }


@dataclass(frozen=True)
class ReviewItem:
    """A platform's report with the key that sent it and the matched entry's provenance."""

    feedback: Feedback
    key_prefix: str
    entry: EntryProvenance | None
    distance: int | None
    """Bits between the reported hash and the entry's nearest PDQ hash (PDQ reports)."""

    def as_json(self) -> dict[str, object]:
        return {
            **self.feedback.as_json(),
            "key_prefix": self.key_prefix,
            "provenance": self.entry.as_json() if self.entry else None,
            "distance": self.distance,
        }


def _entry_ids(detail: str) -> list[int]:
    try:
        loaded = json.loads(detail)
    except ValueError:
        return []
    ids = loaded.get("entries") if isinstance(loaded, dict) else None
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def entry_provenance(session: Session, entry_ids: Iterable[int]) -> dict[int, EntryProvenance]:
    """Provenance of each entry that exists (withdrawn ones too)."""
    wanted = set(entry_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(EntryRow.id, BankRow.name, EntryRow.added_at)
        .join(BankRow, BankRow.id == EntryRow.bank_id)
        .where(EntryRow.id.in_(wanted))
    ).all()
    registered: dict[int, str] = {}
    events = session.execute(
        select(AuditRow.actor_name, AuditRow.detail)
        .where(AuditRow.kind == AuditKind.ENTRIES_REGISTERED.value)
        .order_by(AuditRow.id)
    )
    for actor, detail in events:
        for entry_id in wanted.intersection(_entry_ids(detail)):
            registered.setdefault(entry_id, actor)
    approved: dict[int, str] = {}
    for entry_id, decided_by in session.execute(
        select(IntakeEntryRow.entry_id, IntakeEntryRow.decided_by).where(
            IntakeEntryRow.entry_id.in_(wanted), IntakeEntryRow.decision == "approved"
        )
    ):
        registered[entry_id] = "intake"
        approved[entry_id] = decided_by or ""
    return {
        entry_id: EntryProvenance(
            entry_id, bank, added_at, registered.get(entry_id), approved.get(entry_id)
        )
        for entry_id, bank, added_at in rows
    }


def _nearest(session: Session, items: list[Feedback]) -> dict[int, int]:
    pdq = [f for f in items if f.signal_type == "pdq"]
    if not pdq:
        return {}
    kinds = (SignalKind.PDQ.value, SignalKind.PDQ_CROP.value)
    own: dict[int, list[int]] = {}
    for entry_id, value in session.execute(
        select(SignalRow.entry_id, SignalRow.value).where(
            SignalRow.entry_id.in_({f.match_id for f in pdq}), SignalRow.kind.in_(kinds)
        )
    ):
        own.setdefault(entry_id, []).append(int(value, 16))
    out: dict[int, int] = {}
    for f in pdq:
        values = own.get(f.match_id)
        if values:
            out[f.id] = min((int(f.signal, 16) ^ v).bit_count() for v in values)
    return out


def review_items(session: Session, *, pending: bool = True) -> list[ReviewItem]:
    """Reported false positives waiting for a person (oldest first) or, with ``pending``
    false, the latest :data:`RECENT` decided ones (newest first), each with its provenance."""
    query = select(PlatformFeedbackRow, ApiKeyRow.prefix).join(
        ApiKeyRow, ApiKeyRow.id == PlatformFeedbackRow.key_id
    )
    if pending:
        query = query.where(PlatformFeedbackRow.state == PENDING).order_by(PlatformFeedbackRow.id)
    else:
        query = (
            query.where(
                PlatformFeedbackRow.verdict == "false_positive",
                PlatformFeedbackRow.state != PENDING,
            )
            .order_by(PlatformFeedbackRow.id.desc())
            .limit(RECENT)
        )
    got = [(Feedback.of(row), prefix) for row, prefix in session.execute(query)]
    entries = entry_provenance(session, (f.match_id for f, _ in got))
    distances = _nearest(session, [f for f, _ in got])
    return [
        ReviewItem(f, prefix, entries.get(f.match_id), distances.get(f.id)) for f, prefix in got
    ]
