"""Which banks platforms may match against: a bank is shared on purpose, under a public name.

A platform never learns a bank's own name (which may say whose content it holds): answers name
the share's public name only (``SHARED_<bank id>`` unless the admin chooses one). Sharing
lets platforms *match* the bank's hashes; the list itself is never served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.intake.review import why_not_shareable
from haechi.members.model import Actor
from haechi.platform_api.errors import KeyAdminError
from haechi.store.banks import BankStore
from haechi.store.models import utcnow
from haechi.store.platform_api_models import BankShareRow

_PUBLIC_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class Share:
    """A bank shared with platforms (``stopped_at`` set once sharing ended)."""

    bank: str
    public_name: str
    shared_at: datetime
    shared_by: str
    stopped_at: datetime | None


def share_bank(
    session: Session,
    actor: Actor,
    bank: str,
    public_name: str | None = None,
    now: datetime | None = None,
) -> Share:
    """Share ``bank`` with platforms under ``public_name`` (audited); sharing twice is refused,
    and so are victims' hashes not approved for sharing (:mod:`haechi.intake.review`)."""
    refused = why_not_shareable(bank)
    if refused:
        raise KeyAdminError(refused)
    found = BankStore(session).get(bank)
    active = session.scalar(
        select(BankShareRow).where(
            BankShareRow.bank_id == found.id, BankShareRow.stopped_at.is_(None)
        )
    )
    if active is not None:
        raise KeyAdminError(f"bank {bank!r} is already shared as {active.public_name!r}")
    name = public_name or f"SHARED_{found.id}"
    if not _PUBLIC_NAME.match(name):
        raise KeyAdminError("a public name is 1-100 letters, digits, '_', '.' or '-'")
    row = BankShareRow(
        bank_id=found.id, public_name=name, shared_at=now or utcnow(), shared_by=actor.name
    )
    session.add(row)
    session.flush()
    record(
        session,
        AuditKind.BANK_SHARED,
        actor,
        subject=(found.id, bank),
        detail={"as": name},
        now=now,
    )
    return Share(bank, name, row.shared_at, row.shared_by, None)


def stop_sharing(session: Session, actor: Actor, bank: str, now: datetime | None = None) -> Share:
    """End the sharing of ``bank`` (audited); platforms stop matching it at the next refresh."""
    found = BankStore(session).get(bank)
    row = session.scalar(
        select(BankShareRow).where(
            BankShareRow.bank_id == found.id, BankShareRow.stopped_at.is_(None)
        )
    )
    if row is None:
        raise KeyAdminError(f"bank {bank!r} is not shared")
    row.stopped_at = now or utcnow()
    session.flush()
    record(session, AuditKind.BANK_SHARE_STOPPED, actor, subject=(found.id, bank), now=now)
    return Share(bank, row.public_name, row.shared_at, row.shared_by, row.stopped_at)


def active_shares(session: Session) -> dict[int, str]:
    """``bank id -> public name`` of every bank shared now."""
    rows = session.execute(
        select(BankShareRow.bank_id, BankShareRow.public_name).where(
            BankShareRow.stopped_at.is_(None)
        )
    )
    return {bank_id: name for bank_id, name in rows}
