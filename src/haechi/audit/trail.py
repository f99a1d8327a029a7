"""The append-only, hash-chained audit trail: who did what to whom, when, from where.

Each row carries the SHA-256 of the previous row's canonical form (``prev_hash``, unique, so
two writers cannot fork the chain) and its own (``row_hash``). Changing, removing or inserting
a row anywhere breaks the chain at that row, and :func:`verify_chain` names it. A row is
written in the same transaction as the action it records: no action without its row, no row
for an action that was rolled back. On SQLite the table also refuses UPDATE and DELETE.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from haechi.members.model import Actor
from haechi.store.member_models import AuditRow
from haechi.store.models import utcnow

GENESIS = "0" * 64


class AuditKind(StrEnum):
    """What happened; the stable names filters and exports use."""

    SIGNIN = "signin"
    SIGNIN_FAILED = "signin.failed"
    SIGNOUT = "signout"
    RECOVERY_CODE_USED = "recovery_code.used"
    SESSION_REVOKED = "session.revoked"
    MEMBER_CREATED = "member.created"
    MEMBER_ROLE = "member.role"
    MEMBER_SUSPENDED = "member.suspended"
    MEMBER_REINSTATED = "member.reinstated"
    INVITE_CREATED = "invite.created"
    INVITE_USED = "invite.used"
    AUDIT_EXPORTED = "audit.exported"
    CASE_PERSONAL_VIEWED = "case.personal.viewed"
    CASE_PERSONAL_WRITTEN = "case.personal.written"
    CASE_PERSONAL_SEARCHED = "case.personal.searched"
    DATA_KEY_ROTATED = "data_key.rotated"
    PASSKEY_ADDED = "passkey.added"
    PASSKEY_REMOVED = "passkey.removed"
    PASSKEY_REFUSED = "passkey.refused"
    NOTICE_SENT = "notice.sent"
    NOTICE_APPROVED = "notice.approved"
    CASE_CONSENT_SET = "case.consent"
    CASE_CLOSED = "case.closed"
    POLICE_PACKAGE_DOWNLOADED = "police_package.downloaded"
    POLICE_PACKAGE_MADE = "police_package.made"
    EVIDENCE_EXPORTED = "evidence.exported"
    BANK_EXPORTED = "bank.exported"
    LINKS_EXPORTED = "links.exported"  # the uploader and channel links, for the police
    TRANSPARENCY_MADE = "transparency.made"  # a public report's figures computed and signed
    TRANSPARENCY_PUBLISHED = "transparency.published"  # shown on the public page
    TRANSPARENCY_WITHDRAWN = "transparency.withdrawn"
    ENTRIES_WITHDRAWN = "entries.withdrawn"
    SIGNING_KEY_ROTATED = "signing_key.rotated"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    API_KEY_FLAGGED = "api_key.flagged"  # far more distinct hashes than the platform's uploads
    BANK_SHARED = "bank.shared"
    BANK_SHARE_STOPPED = "bank.share_stopped"
    PLATFORM_FEEDBACK_DECIDED = "platform_feedback.decided"
    HITS_REVIEWED = "hits.reviewed"
    HITS_AUTO_CONFIRMED = "hits.auto_confirmed"  # by the review policy, no one looked
    REVIEW_POLICY_SET = "review_policy.set"
    PREVIEW_REVEALED = "preview.revealed"
    ENTRIES_REGISTERED = "entries.registered"
    INTAKE_REGISTERED = "intake.registered"  # a victim registered her own hashes
    INTAKE_LINK_OPENED = "intake.link_opened"
    INTAKE_DECIDED = "intake.decided"  # a reviewer approved or refused intake entries
    TRUST_KEY_ROTATED = "trust_key.rotated"
    TRUST_KEY_REVOKED = "trust_key.revoked"
    CREDENTIAL_ISSUED = "credential.issued"
    CREDENTIAL_REVOKED = "credential.revoked"
    CHANNEL_ADDED = "channel.added"
    CHANNEL_REMOVED = "channel.removed"
    IMPERSONATION_CLOSED = "impersonation.closed"


@dataclass(frozen=True)
class AuditEvent:
    """One row of the trail as read back."""

    id: int
    at: datetime
    kind: str
    actor_id: int | None
    actor_name: str
    subject_id: int | None
    subject_name: str
    address: str
    detail: dict[str, Any]
    prev_hash: str
    row_hash: str

    @classmethod
    def from_row(cls, row: AuditRow) -> AuditEvent:
        return cls(
            row.id,
            row.at,
            row.kind,
            row.actor_id,
            row.actor_name,
            row.subject_id,
            row.subject_name,
            row.address,
            json.loads(row.detail),
            row.prev_hash,
            row.row_hash,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "actor_id": self.actor_id,
            "actor": self.actor_name,
            "subject_id": self.subject_id,
            "subject": self.subject_name,
            "address": self.address,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
            "row_hash": self.row_hash,
        }


def canonical(row: AuditRow) -> bytes:
    """The bytes a row's hash covers: every field but the hash itself, as sorted JSON."""
    fields = {
        "id": row.id,
        "at": row.at.isoformat(),
        "kind": row.kind,
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "subject_id": row.subject_id,
        "subject_name": row.subject_name,
        "address": row.address,
        "detail": row.detail,
        "prev_hash": row.prev_hash,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def row_digest(row: AuditRow) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def record(
    session: Session,
    kind: AuditKind,
    actor: Actor,
    *,
    subject: tuple[int | None, str] | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event, in the caller's transaction, chained to the last row."""
    last = session.execute(
        select(AuditRow.id, AuditRow.row_hash).order_by(AuditRow.id.desc()).limit(1)
    ).first()
    # Timestamps are kept to the microsecond, as the database reads them back.
    row = AuditRow(
        id=(last.id + 1) if last else 1,
        at=(now or utcnow()).astimezone(UTC),
        kind=kind.value,
        actor_id=actor.member_id,
        actor_name=actor.name,
        subject_id=subject[0] if subject else None,
        subject_name=subject[1] if subject else "",
        address=actor.address,
        detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
        prev_hash=last.row_hash if last else GENESIS,
    )
    row.row_hash = row_digest(row)
    session.add(row)
    session.flush()
    return AuditEvent.from_row(row)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the chain: how many rows, and the first broken one if any."""

    rows: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(session: Session) -> ChainReport:
    """Recompute every row's hash and link, in order; name the first row that does not hold."""
    expected_prev = GENESIS
    expected_id = 1
    count = 0
    rows = select(AuditRow).order_by(AuditRow.id).execution_options(yield_per=500)
    # Closed on the early returns too: PostgreSQL streams it through a server-side cursor.
    with session.scalars(rows) as streamed:
        for row in streamed:
            count += 1
            if row.id != expected_id:
                return ChainReport(count, row.id, f"row {expected_id} is missing before it")
            if row.prev_hash != expected_prev:
                return ChainReport(count, row.id, "it does not follow the row before it")
            if row_digest(row) != row.row_hash:
                return ChainReport(count, row.id, "its content was changed after it was written")
            expected_prev = row.row_hash
            expected_id += 1
    return ChainReport(count)


def events(
    session: Session,
    *,
    kind: str | None = None,
    member: str | None = None,
    limit: int | None = 500,
    newest_first: bool = True,
) -> list[AuditEvent]:
    """Events, filtered by kind and by a member's name (as actor or as subject)."""
    query = select(AuditRow)
    if kind:
        query = query.where(AuditRow.kind == kind)
    if member:
        query = query.where(or_(AuditRow.actor_name == member, AuditRow.subject_name == member))
    query = query.order_by(AuditRow.id.desc() if newest_first else AuditRow.id)
    if limit is not None:
        query = query.limit(limit)
    return [AuditEvent.from_row(row) for row in session.scalars(query)]


def iter_events(session: Session, **filters: Any) -> Iterator[AuditEvent]:
    """Every event matching ``filters``, oldest first (for exports)."""
    yield from events(session, limit=None, newest_first=False, **filters)
