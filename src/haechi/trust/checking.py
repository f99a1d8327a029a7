"""Checking a document as its issuer can: our keys, our status list, our record of publication.

:func:`verify_own` is what the verify page, the JSON API and ``haechi trust verify`` (with this
home's database) ask. It checks the proof against this organisation's own DID document (built
from the database, exactly what ``/.well-known/did.json`` serves), or against a key the
verifier pinned, and then, for a document that names this organisation as its issuer, whether
the organisation really published it: a stolen key can sign anything and date it before the
theft was noticed, but it cannot add the document to our record. Published means a stored
document with the same digest (notices, police packages, member credentials) or, for the two
documents re-signed on every request (the status list, the channels registry), saying what
the organisation publishes now: an old status list would un-revoke a card, an old registry
list an account that was taken off it.

:func:`check_code` and :func:`check_document` are what people bring (a code, a document's
JSON or text, the e-mail it came in), for the page and the API alike.

:func:`verify_offline` is the check without any database: the proof with a pinned key only,
and it says that publication and status lists were not checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from haechi.trust.channels import REGISTRY_TYPE, registry_subject, registry_url
from haechi.trust.config import TrustConfig
from haechi.trust.did import published_keys
from haechi.trust.documents import (
    digest_of,
    find_code,
    is_published,
    own_did_document,
    revoked_indexes,
)
from haechi.trust.errors import TrustError
from haechi.trust.keys import all_keys
from haechi.trust.reading import MAX_DOCUMENT_BYTES, read_document
from haechi.trust.result import Verification
from haechi.trust.statuslist import revoked_in, status_list_credential
from haechi.trust.verify import issuer_of, verify_document

STATUS_LIST_TYPE = "BitstringStatusListCredential"


def _types(document: dict[str, Any]) -> list[Any]:
    kinds = document.get("type")
    return kinds if isinstance(kinds, list) else [kinds]


def was_published(session: Session, config: TrustConfig, document: dict[str, Any]) -> bool:
    """Whether this organisation published ``document`` (or publishes it now, for live lists)."""
    kinds = _types(document)
    subject = document.get("credentialSubject")
    if STATUS_LIST_TYPE in kinds:
        current = status_list_credential(config, revoked_indexes(session))
        return (
            document.get("id") == config.status_list_url and subject == current["credentialSubject"]
        )
    if REGISTRY_TYPE in kinds:
        return document.get("id") == registry_url(config) and subject == registry_subject(
            session, config
        )
    return is_published(session, digest_of(document))


def verify_own(
    session: Session,
    config: TrustConfig,
    document: Any,
    now: datetime,
    pinned: Ed25519PublicKey | None = None,
) -> Verification:
    """Verify ``document`` with this organisation's keys (or ``pinned``), its status list and,
    when it claims to be ours, our record of what we published."""
    keys = published_keys(own_did_document(session, config, now))
    has_record = bool(all_keys(session))  # a home that never had a key is not the issuer's

    def status(entry: dict[str, Any]) -> bool | None:
        if entry.get("statusListCredential") != config.status_list_url:
            return None
        try:
            listed = status_list_credential(config, revoked_indexes(session))
            return revoked_in(listed, entry)
        except TrustError:
            return None

    def published(signed: dict[str, Any]) -> bool | None:
        if not has_record or issuer_of(signed) != config.did:
            return None
        return was_published(session, config, signed)

    return verify_document(
        document, now, keys=keys, pinned=pinned, status=status, published=published
    )


def verify_offline(document: Any, now: datetime, pinned: Ed25519PublicKey | None) -> Verification:
    """Verify ``document`` with a pinned key and nothing else (no database at hand)."""
    return verify_document(document, now, pinned=pinned)


@dataclass(frozen=True)
class Checked:
    """The verdict on what a person brought, and the code it was found by (if any)."""

    result: Verification
    code: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form (the verdict's, with ``code``)."""
        return {**self.result.as_json(), "code": self.code}


def check_code(session: Session, config: TrustConfig, code: str, now: datetime) -> Checked:
    """The verdict on the published document of a verification code (:class:`UnknownDocument`
    when there is none)."""
    published = find_code(session, code)
    return Checked(verify_own(session, config, published.document, now), published.code)


def check_document(
    session: Session, config: TrustConfig, document: bytes | dict[str, Any], now: datetime
) -> Checked:
    """The verdict on a document given as its JSON object, its text or the e-mail it came in
    (:class:`TrustError` when it is none of these)."""
    if isinstance(document, bytes):
        parsed = read_document(document)
    elif len(json.dumps(document, ensure_ascii=False).encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise TrustError("this is too large to be a signed document (2 MB at most)")
    else:
        parsed = document
    return Checked(verify_own(session, config, parsed, now))
