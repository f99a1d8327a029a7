"""Tables of sealed data and of passkeys.

Sealed values are BLOBs in the envelope of :mod:`haechi.crypto.envelope`, bound to their row;
the database never holds their plaintext or their key. A bank entry's label lives here (the
``bank_entries.label`` column only ever held labels written before they were sealed, and is
emptied at the first open with the key); a case's personal data is one sealed JSON document,
and its phone numbers and e-mail addresses are findable only through HMAC digests.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from haechi.store.models import Base, EntryRow, UtcDateTime


class EntryLabelRow(Base):
    """The sealed label of a bank entry (``entry_labels.sealed`` of the entry's id)."""

    __tablename__ = "entry_labels"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("bank_entries.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    # Loaded with the entry in the same query (``EntryRow.sealed_label``).
    entry: Mapped[EntryRow] = relationship(
        backref=backref("sealed_label", uselist=False, lazy="joined", passive_deletes=True)
    )


class CasePersonalRow(Base):
    """A case's personal data (name, contacts, notes, consent) as one sealed document."""

    __tablename__ = "case_personal"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class ContactIndexRow(Base):
    """One blind-index digest of a case's phone number or e-mail address."""

    __tablename__ = "case_contact_index"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)


class PasskeyRow(Base):
    """A member's WebAuthn credential: its id, public key (COSE), sign count and transports."""

    __tablename__ = "member_passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="[]")  # JSON list
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PasskeyChallengeRow(Base):
    """A ceremony's challenge, bound to the web session that asked for it; used once."""

    __tablename__ = "passkey_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    web_session_id: Mapped[int] = mapped_column(
        ForeignKey("web_sessions.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(20))  # register or signin
    challenge: Mapped[str] = mapped_column(String(200))  # base64url
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
