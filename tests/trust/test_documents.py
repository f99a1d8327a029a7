"""Signed documents of our own: every forgery tried fails with its named reason."""

from __future__ import annotations

import copy
import dataclasses
import os
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from haechi.members.model import Actor, Role
from haechi.store.database import Database
from haechi.testkit.team import add_member
from haechi.trust import members
from haechi.trust.checking import verify_own
from haechi.trust.config import TrustConfig
from haechi.trust.did import published_keys
from haechi.trust.documents import find_code, own_did_document, publish, sign, status_list
from haechi.trust.keys import (
    Purpose,
    current_key,
    ensure_keys,
    revoke_key,
    rotate_key,
    unencrypted_keys,
)
from haechi.trust.multibase import ed25519_from_multikey
from haechi.trust.result import Reason, Verdict
from haechi.trust.statuslist import decode_list, encode_list, is_set, revoked_in
from haechi.trust.verify import verify_document
from tests.trust.conftest import T0

NOTICE: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "HaechiNoticeCredential"],
    "issuer": {"id": "did:web:haechi.example", "name": "해치 지원센터"},
    "validFrom": "2026-11-01T09:00:00Z",
    "credentialSubject": {
        "platform": "local-portal",
        "items": [{"url": "https://portal.example/p/1", "sha256": "ab" * 32}],
    },
}


def _signed(session: Session, config: TrustConfig, when=T0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A notice signed and published at ``when``, as the notary does when it goes out."""
    signed = sign(session, config, Purpose.NOTICES, NOTICE, when)
    publish(session, "notice", "notice:1", signed, when)
    return signed


def test_keys_are_files_encrypted_at_rest_and_listed_in_the_did_document(
    session: Session, config: TrustConfig
) -> None:
    records = ensure_keys(session, config, T0)
    assert {r.purpose for r in records} == {"notices", "credentials"}
    for record in records:
        data = (config.keys_dir / f"{record.key_id}.pem").read_bytes()
        assert b"ENCRYPTED PRIVATE KEY" in data
        assert os.stat(config.keys_dir / f"{record.key_id}.pem").st_mode & 0o077 == 0
    did = own_did_document(session, config, T0)
    assert did["id"] == "did:web:haechi.example"
    assert {m["publicKeyMultibase"] for m in did["verificationMethod"]} == {
        r.key_id for r in records
    }


def test_a_key_made_without_the_passphrase_is_encrypted_once_it_is_set(
    session: Session, config: TrustConfig
) -> None:
    bare = dataclasses.replace(config, passphrase=None)
    key_id, _ = current_key(session, bare, Purpose.NOTICES, T0)
    path = config.keys_dir / f"{key_id}.pem"
    assert b"ENCRYPTED" not in path.read_bytes()
    assert unencrypted_keys(session, bare) == [path]  # `haechi trust key` warns of it
    assert current_key(session, config, Purpose.NOTICES, T0)[0] == key_id  # same key
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    assert os.stat(path).st_mode & 0o077 == 0 and unencrypted_keys(session, config) == []
    assert current_key(session, config, Purpose.NOTICES, T0)[0] == key_id


def test_our_document_verifies_and_every_change_fails(
    session: Session, config: TrustConfig
) -> None:
    signed = _signed(session, config)
    good = verify_own(session, config, signed, T0 + timedelta(days=1))
    assert good.verdict is Verdict.VALID, good
    assert good.summary["credentialSubject"]["platform"] == "local-portal"
    tampered = []
    for path in (("issuer", "name"), ("validFrom",), ("credentialSubject", "platform")):
        doc = copy.deepcopy(signed)
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = "forged"
        tampered.append(doc)
    doc = copy.deepcopy(signed)
    doc["credentialSubject"]["items"][0]["url"] = "https://elsewhere.example/"
    tampered.append(doc)
    doc = copy.deepcopy(signed)
    doc["proof"]["created"] = "2026-10-01T00:00:00Z"
    tampered.append(doc)
    for doc in tampered:
        result = verify_own(session, config, doc, T0)
        assert result.reasons == (Reason.SIGNATURE_MISMATCH,), (doc, result)
        assert result.verdict is Verdict.INVALID and not result.summary


def test_a_wrong_or_foreign_key_fails(session: Session, config: TrustConfig) -> None:
    signed = _signed(session, config)
    other = ensure_keys(session, config, T0)
    credentials_key = next(r.key_id for r in other if r.purpose == "credentials")
    wrong = verify_own(session, config, signed, T0, ed25519_from_multikey(credentials_key))
    assert wrong.reasons == (Reason.SIGNATURE_MISMATCH,)
    forged = copy.deepcopy(signed)
    forged["proof"]["verificationMethod"] = "did:web:forger.example#z6Mkforged"
    assert verify_own(session, config, forged, T0).reasons == (Reason.UNKNOWN_KEY,)
    stranger = {**signed, "issuer": "did:web:another.example"}
    assert verify_own(session, config, stranger, T0).reasons == (Reason.ISSUER_MISMATCH,)
    assert verify_own(session, config, {"no": "proof"}, T0).reasons == (Reason.MALFORMED,)


def test_rotation_keeps_old_documents_and_revocation_voids_later_ones(
    session: Session, config: TrustConfig
) -> None:
    before = _signed(session, config, T0)
    old, new = rotate_key(session, config, Purpose.NOTICES, T0 + timedelta(hours=1))
    assert not (config.keys_dir / f"{old.key_id}.pem").exists()  # the private half is gone
    assert verify_own(session, config, before, T0 + timedelta(days=2)).valid
    after = _signed(session, config, T0 + timedelta(hours=3))
    assert verify_own(session, config, after, T0 + timedelta(days=2)).valid
    # The new key is stolen; the theft is dated two hours after it was made.
    revoke_key(
        session,
        config,
        new.key_id,
        T0 + timedelta(hours=2),
        "laptop stolen",
        T0 + timedelta(days=1),
    )
    result = verify_own(session, config, after, T0 + timedelta(days=2))
    assert result.reasons == (Reason.KEY_REVOKED,)
    assert verify_own(session, config, before, T0 + timedelta(days=2)).valid
    # A document back-dated onto the retired key, signed after its retirement, fails too.
    keys = published_keys(own_did_document(session, config, T0))
    assert verify_document(before, T0, keys=keys).valid


def test_member_credentials_expire_and_are_revoked_through_the_status_list(
    db: Database, session: Session, config: TrustConfig
) -> None:
    add_member(db, "volunteer-kim", Role.ANALYST, now=T0)
    card = members.issue(session, config, Actor.console(), "volunteer-kim", T0, days=30)
    assert card.document["credentialStatus"]["statusListCredential"] == config.status_list_url
    assert verify_own(session, config, card.document, T0 + timedelta(days=1)).valid
    expired = verify_own(session, config, card.document, T0 + timedelta(days=31))
    assert expired.verdict is Verdict.EXPIRED and expired.reasons == (Reason.EXPIRED,)
    members.revoke(
        session, config, Actor.console(), card.code.lower(), "left", T0 + timedelta(days=2)
    )
    revoked = verify_own(session, config, card.document, T0 + timedelta(days=3))
    assert revoked.verdict is Verdict.REVOKED and revoked.reasons == (Reason.REVOKED,)
    # The published list says so too, signed, and any verifier can read the bit.
    listed = status_list(session, config, T0 + timedelta(days=3))
    assert verify_own(session, config, listed, T0 + timedelta(days=3)).valid
    assert revoked_in(listed, card.document["credentialStatus"])
    assert find_code(session, card.code).revoked_at is not None


def test_the_status_list_round_trips() -> None:
    indexes = {0, 7, 8, 4242, 131_071}
    bits = decode_list(encode_list(indexes))
    assert len(bits) == 16 * 1024
    assert {i for i in range(len(bits) * 8) if is_set(bits, i)} == indexes
    assert bits[0] == 0b1000_0001 and bits[1] == 0b1000_0000


def test_codes_find_published_documents_only(session: Session, config: TrustConfig) -> None:
    signed = sign(session, config, Purpose.NOTICES, NOTICE, T0)
    published = publish(session, "notice", "notice:1", signed, T0)
    assert find_code(session, published.code.replace("-", " ").lower()).document == signed
