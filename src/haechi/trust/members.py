"""Member credentials: a volunteer proves she is one of the organisation's, and it can end.

An admin issues a member a credential (pseudonym, role, organisation, validity); it is signed
with the credentials key and published with a verification code. Revoking sets the
credential's bit in the public status list, so a card already printed fails from then on.
Each credential takes a random free index in the list, so neighbouring indexes say nothing
about the order members joined in.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.errors import NotAllowed
from haechi.members.model import Actor, Role
from haechi.store.member_models import MemberRow
from haechi.store.trust_models import TrustDocumentRow
from haechi.trust.config import TrustConfig
from haechi.trust.credentials import member_credential
from haechi.trust.documents import Published, find_code, publish, sign
from haechi.trust.errors import TrustError
from haechi.trust.keys import Purpose
from haechi.trust.statuslist import LIST_BITS

KIND = "member"


def _require_admin(actor: Actor) -> None:
    if not (actor.member_id is None and actor.name == "console") and actor.role is not Role.ADMIN:
        raise NotAllowed("only an admin may issue or revoke member credentials")


def _free_index(session: Session) -> int:
    used = set(
        session.scalars(
            select(TrustDocumentRow.status_index).where(TrustDocumentRow.status_index.is_not(None))
        )
    )
    if len(used) >= LIST_BITS:
        raise TrustError("the status list is full")
    while (index := secrets.randbelow(LIST_BITS)) in used:
        continue
    return index


def issue(
    session: Session,
    config: TrustConfig,
    actor: Actor,
    name: str,
    now: datetime,
    days: int = 365,
) -> Published:
    """Issue member ``name`` a credential valid for ``days`` from now."""
    _require_admin(actor)
    if days < 1:
        raise TrustError("a credential is valid for one day at least (--days)")
    member = session.scalars(select(MemberRow).where(MemberRow.name == name)).first()
    if member is None or member.status != "active":
        raise TrustError(f"no active member is called {name}")
    index = _free_index(session)
    until = now + timedelta(days=days)
    unsigned = member_credential(config, member.name, member.role, now, until, index)
    document = sign(session, config, Purpose.CREDENTIALS, unsigned, now)
    published = publish(
        session, KIND, f"member:{member.id}", document, now, valid_until=until, status_index=index
    )
    record(
        session,
        AuditKind.CREDENTIAL_ISSUED,
        actor,
        subject=(member.id, member.name),
        detail={"code": published.code, "valid_until": until.isoformat()},
        now=now,
    )
    return published


def revoke(
    session: Session, config: TrustConfig, actor: Actor, code: str, reason: str, now: datetime
) -> Published:
    """Revoke the member credential with verification code ``code`` from now on."""
    _require_admin(actor)
    if not reason.strip():
        raise TrustError("say why the credential is revoked (--reason)")
    published = find_code(session, code)
    if published.kind != KIND:
        raise TrustError(f"{published.code} is not a member credential")
    row = session.scalars(
        select(TrustDocumentRow).where(TrustDocumentRow.code == published.code)
    ).one()
    if row.revoked_at is None:
        row.revoked_at = now
        row.revoked_reason = reason.strip()
        record(
            session,
            AuditKind.CREDENTIAL_REVOKED,
            actor,
            subject=(None, published.subject),
            detail={"code": published.code, "reason": reason.strip()},
            now=now,
        )
    session.flush()
    return find_code(session, published.code)


def credentials_of(session: Session, name: str) -> list[Published]:
    """Every credential issued to member ``name``, newest first."""
    member = session.scalars(select(MemberRow).where(MemberRow.name == name)).first()
    if member is None:
        raise TrustError(f"no member is called {name}")
    rows = session.scalars(
        select(TrustDocumentRow)
        .where(TrustDocumentRow.subject == f"member:{member.id}")
        .order_by(TrustDocumentRow.id.desc())
    )
    return [find_code(session, r.code) for r in rows]


def all_credentials(session: Session) -> list[Published]:
    """Every member credential ever issued, newest first (the admins' page)."""
    codes = session.scalars(
        select(TrustDocumentRow.code)
        .where(TrustDocumentRow.kind == KIND)
        .order_by(TrustDocumentRow.id.desc())
    )
    return [find_code(session, code) for code in codes]


def card_of(session: Session, config: TrustConfig, code: str) -> bytes:
    """The printable card (PDF) of the member credential with verification code ``code``."""
    from haechi.trust.card import card_pdf  # reportlab: loaded only when a card is made

    published = find_code(session, code)
    if published.kind != KIND:
        raise TrustError(f"{published.code} is not a member credential")
    return card_pdf(config, published)
