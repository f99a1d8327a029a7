"""Signing, publishing and finding the organisation's documents.

Every document that leaves (a notice sent, a police package, a member credential) is signed
with its purpose's current key and published: stored with a short verification code and the
SHA-256 of its canonical form, so that the verify page can show a document from its code alone.
Codes are 10 characters of Crockford's base32 (50 random bits), written ``XXXXX-XXXXX``; a
code typed with O for 0 or I/L for 1 still finds its document.

Checking a document against all this is :mod:`haechi.trust.checking`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.store.trust_models import TrustDocumentRow
from haechi.trust.config import TrustConfig
from haechi.trust.did import did_document
from haechi.trust.errors import UnknownDocument
from haechi.trust.evidence_keys import sync_evidence_keys
from haechi.trust.keys import Purpose, all_keys, current_key
from haechi.trust.proof import canonical, sign_document
from haechi.trust.statuslist import status_list_credential
from haechi.trust.timefmt import time_text

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh verification code, ``XXXXX-XXXXX``."""
    text = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{text[:5]}-{text[5:]}"


def normalise_code(text: str) -> str:
    """A code as typed (any case, spaces, dashes, O for 0) in its stored form."""
    plain = "".join(c for c in text.upper() if c.isalnum()).translate(_TYPOS)
    if len(plain) != 10 or any(c not in _ALPHABET for c in plain):
        raise UnknownDocument("a verification code has 10 letters and digits, like ABCDE-12345")
    return f"{plain[:5]}-{plain[5:]}"


def digest_of(document: Mapping[str, Any]) -> str:
    """SHA-256 of the document's canonical (JCS) form, hex."""
    return hashlib.sha256(canonical(dict(document))).hexdigest()


@dataclass(frozen=True)
class Published:
    """A published document and what the organisation knows of it."""

    code: str
    digest: str
    kind: str
    subject: str
    document: dict[str, Any]
    issued_at: datetime
    revoked_at: datetime | None = None
    status_index: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "code": self.code,
            "digest": self.digest,
            "kind": self.kind,
            "subject": self.subject,
            "issued_at": self.issued_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "document": self.document,
        }


def _published(row: TrustDocumentRow) -> Published:
    return Published(
        row.code,
        row.digest,
        row.kind,
        row.subject,
        json.loads(row.document),
        row.issued_at,
        row.revoked_at,
        row.status_index,
    )


def sign(
    session: Session,
    config: TrustConfig,
    purpose: Purpose,
    unsigned: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """``unsigned`` with a proof by the current key of ``purpose``."""
    key_id, key = current_key(session, config, purpose, now)
    return sign_document(unsigned, key, f"{config.did}#{key_id}", time_text(now))


def publish(
    session: Session,
    kind: str,
    subject: str,
    document: Mapping[str, Any],
    now: datetime,
    *,
    code: str | None = None,
    valid_until: datetime | None = None,
    status_index: int | None = None,
) -> Published:
    """Record a signed document as published, under ``code`` (a new one if not given)."""
    row = TrustDocumentRow(
        code=code or new_code(),
        digest=digest_of(document),
        kind=kind,
        subject=subject,
        document=json.dumps(document, ensure_ascii=False),
        issued_at=now,
        valid_until=valid_until,
        status_index=status_index,
    )
    session.add(row)
    session.flush()
    return _published(row)


def find_code(session: Session, code: str) -> Published:
    """The published document of a verification code; :class:`UnknownDocument` if none."""
    stored = normalise_code(code)
    row = session.scalars(select(TrustDocumentRow).where(TrustDocumentRow.code == stored)).first()
    if row is None:
        raise UnknownDocument(f"no document of this organisation has the code {stored}")
    return _published(row)


def latest_for(session: Session, subject: str) -> Published | None:
    """The latest published document about ``subject`` (``notice:12``, ``member:3``)."""
    row = session.scalars(
        select(TrustDocumentRow)
        .where(TrustDocumentRow.subject == subject)
        .order_by(TrustDocumentRow.id.desc())
    ).first()
    return _published(row) if row else None


def own_did_document(session: Session, config: TrustConfig, now: datetime) -> dict[str, Any]:
    """This organisation's DID document (what ``/.well-known/did.json`` serves), the evidence
    keys' record brought up to date first."""
    sync_evidence_keys(session, config, now)
    return did_document(config, all_keys(session))


def is_published(session: Session, digest: str) -> bool:
    """Whether a document with this digest was published."""
    found = session.scalars(select(TrustDocumentRow.id).where(TrustDocumentRow.digest == digest))
    return found.first() is not None


def revoked_indexes(session: Session) -> list[int]:
    """Status-list indexes of revoked member credentials."""
    return [
        i
        for i in session.scalars(
            select(TrustDocumentRow.status_index).where(
                TrustDocumentRow.status_index.is_not(None),
                TrustDocumentRow.revoked_at.is_not(None),
            )
        )
        if i is not None
    ]


def status_list(session: Session, config: TrustConfig, now: datetime) -> dict[str, Any]:
    """The signed revocation status list of member credentials, as of ``now``."""
    unsigned = status_list_credential(config, revoked_indexes(session))
    unsigned["validFrom"] = time_text(now)
    return sign(session, config, Purpose.CREDENTIALS, unsigned, now)
