"""The team's side of the intake: one-time links for support centres, and approval.

A staff member (a liaison or an admin) opens a one-time intake link for a victim beside her,
optionally for the team case the centre keeps for her; the victim hashes on the centre's
computer, and if she chooses so her registration joins that case and her choices are written
into its sealed personal data.

Hashes wait in the ``intake-pending`` bank (matched, never shared) until a reviewer looks at
the entry: approved, it moves to ``intake-shared`` when she allowed sharing with platforms
(a bank an admin may share through the platform API) or to ``intake`` when she did not;
refused, it stays where it is, matched for her but never shared. This keeps anyone from
getting ordinary pictures blocked by registering them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from haechi.audit.trail import AuditKind, record
from haechi.intake.errors import IntakeError
from haechi.intake.guard import IntakeConfig
from haechi.intake.model import Choice
from haechi.members.credentials import digest, new_token
from haechi.members.model import Actor
from haechi.store.banks import BankStore
from haechi.store.cases import CaseStore
from haechi.store.database import Database
from haechi.store.intake_models import IntakeEntryRow, IntakeLinkRow, IntakeRow
from haechi.store.models import EntryRow

APPROVED_BANK = "intake"
SHARED_BANK = "intake-shared"
PENDING_BANK = "intake-pending"  # matched for her, never shared


def why_not_shareable(bank: str) -> str | None:
    """Why a bank of victims' own hashes may not be shared with platforms, if it may not.

    Only ``intake-shared`` holds hashes a reviewer approved and the victim allowed platforms
    to have; sharing ``intake-pending`` would hand platforms unreviewed hashes (anyone could
    get ordinary pictures blocked), and ``intake`` hashes she chose not to share.
    """
    if bank == PENDING_BANK:
        return f"bank {bank!r} holds victims' hashes no reviewer has approved; never shared"
    if bank == APPROVED_BANK:
        return f"bank {bank!r} holds hashes their owners chose not to share with platforms"
    return None


@dataclass(frozen=True)
class PendingEntry:
    """An entry waiting for a reviewer: its hashes' kinds and quality, never a picture."""

    id: int  # the intake entry's id
    entry_id: int
    kind: str
    quality: int | None
    folded: int
    share: bool  # she allowed sharing with platforms
    centre: bool
    registered_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entry": self.entry_id,
            "kind": self.kind,
            "quality": self.quality,
            "folded": self.folded,
            "share": self.share,
            "centre": self.centre,
            "registered_at": self.registered_at.isoformat(),
        }


def open_link(
    db: Database, actor: Actor, case_ref: str | None, *, now: datetime, config: IntakeConfig
) -> str:
    """A one-time intake link's token (shown once), for a team case if one is named."""
    if actor.role is None:
        raise IntakeError("an intake link is opened by a member of the team")
    token = new_token()
    with db.session() as session:
        case_id = CaseStore(session).case_id(case_ref) if case_ref else None
        session.add(
            IntakeLinkRow(
                token_digest=digest(token),
                case_id=case_id,
                member_id=actor.member_id,
                member_name=actor.name,
                member_role=actor.role.value,
                created_at=now,
                expires_at=now + config.link_life,
            )
        )
        record(
            session,
            AuditKind.INTAKE_LINK_OPENED,
            actor,
            detail={"case": case_ref, "expires": (now + config.link_life).isoformat()},
            now=now,
        )
    return token


def pending(db: Database) -> list[PendingEntry]:
    """Live entries no reviewer has decided on, oldest first."""
    with db.session() as session:
        rows = session.execute(
            select(IntakeEntryRow, IntakeRow)
            .join(IntakeRow, IntakeRow.id == IntakeEntryRow.intake_id)
            .join(EntryRow, EntryRow.id == IntakeEntryRow.entry_id)
            .where(IntakeEntryRow.decision.is_(None), EntryRow.withdrawn_at.is_(None))
            .order_by(IntakeEntryRow.id)
        )
        return [
            PendingEntry(
                e.id,
                e.entry_id,
                e.kind,
                e.quality,
                e.folded,
                Choice.SHARE.value in json.loads(i.choices),
                i.centre,
                i.created_at,
            )
            for e, i in rows
        ]


def decide(
    db: Database, actor: Actor, ids: list[int], approve: bool, *, now: datetime
) -> list[int]:
    """Approve or refuse intake entries (by intake entry id); audited. Returns the ids."""
    if not ids:
        raise IntakeError("name at least one intake entry")
    with db.session() as session:
        store = BankStore(session)
        banks = {name: store.get_or_create(name)[0].id for name in (APPROVED_BANK, SHARED_BANK)}
        for intake_entry_id in ids:
            row = session.get(IntakeEntryRow, intake_entry_id)
            if row is None:
                raise IntakeError(f"no intake entry {intake_entry_id}")
            if row.decision is not None:
                raise IntakeError(f"intake entry {intake_entry_id} was already {row.decision}")
            entry = session.get(EntryRow, row.entry_id)
            intake = session.get(IntakeRow, row.intake_id)
            assert entry is not None and intake is not None
            if entry.withdrawn_at is not None:
                raise IntakeError(f"intake entry {intake_entry_id} was withdrawn by the victim")
            row.decision = "approved" if approve else "refused"
            row.decided_by, row.decided_at = actor.name, now
            if approve:
                share = Choice.SHARE.value in json.loads(intake.choices)
                entry.bank_id = banks[SHARED_BANK if share else APPROVED_BANK]
        record(
            session,
            AuditKind.INTAKE_DECIDED,
            actor,
            detail={"entries": ids, "decision": "approved" if approve else "refused"},
            now=now,
        )
    return ids
