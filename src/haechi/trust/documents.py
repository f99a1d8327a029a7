"""Signing, publishing and finding the organisation's documents, and checking them.

Every document that leaves (a notice sent, a police package, a member credential) is signed
with its purpose's current key and published: stored with a short verification code and the
SHA-256 of its canonical form, so that the verify page can show a document from its code alone.
Codes are 10 characters of Crockford's base32 (50 random bits), written ``XXXXX-XXXXX``; a
code typed with O for 0 or I/L for 1 still finds its document.

:func:`verify_own` checks any document against this organisation's own DID document (built
from the database, exactly what ``/.well-known/did.json`` serves) and its status list.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.evidence.errors import SigningKeyError
from haechi.evidence.signing import SigningKey, load_key
from haechi.store.trust_models import TrustDocumentRow
from haechi.trust.config import TrustConfig
from haechi.trust.did import did_document, published_keys
from haechi.trust.errors import TrustError, UnknownDocument
from haechi.trust.keys import Purpose, all_keys, current_key
from haechi.trust.proof import canonical, sign_document
from haechi.trust.result import Verification
from haechi.trust.statuslist import revoked_in, status_list_credential
from haechi.trust.timefmt import time_text
from haechi.trust.verify import verify_document

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


def evidence_key(config: TrustConfig) -> SigningKey | None:
    """The evidence checkpoint key, when it exists and opens (for the DID document)."""
    path = config.evidence_key_file or config.home / "evidence" / "signing-key.pem"
    if not path.exists():
        return None
    try:
        return load_key(path, config.passphrase)
    except SigningKeyError:
        return None


def own_did_document(session: Session, config: TrustConfig) -> dict[str, Any]:
    """This organisation's DID document (what ``/.well-known/did.json`` serves)."""
    return did_document(config, all_keys(session), evidence_key(config))


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


def verify_own(
    session: Session,
    config: TrustConfig,
    document: Any,
    now: datetime,
    pinned: Ed25519PublicKey | None = None,
) -> Verification:
    """Verify ``document`` with this organisation's keys (or ``pinned``) and status list."""
    keys = published_keys(own_did_document(session, config))

    def status(entry: dict[str, Any]) -> bool | None:
        if entry.get("statusListCredential") != config.status_list_url:
            return None
        try:
            listed = status_list_credential(config, revoked_indexes(session))
            return revoked_in(listed, entry)
        except TrustError:
            return None

    return verify_document(document, now, keys=keys, pinned=pinned, status=status)
