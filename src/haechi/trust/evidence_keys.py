"""The public record of the evidence keys, so the DID document always lists them.

The evidence checkpoint key (Ed25519, :mod:`haechi.evidence.keys`) and the P-256 key of the
bundles' wacz-auth signatures derived from it (:mod:`haechi.evidence.wacz_auth`) sign what
goes to platforms and courts. Their private halves live in the evidence key file, encrypted
with ``HAECHI_KEY_PASSPHRASE``, and a server often runs without it; the P-256 half can only be
derived while the private key opens. So their public halves are kept in ``trust_keys`` (purposes
``evidence`` and ``wacz-auth``) whenever the key is at hand: when it is rotated
(:func:`haechi.scan.preserve.rotate_signing_key` notes the old key before and the new one
after) and whenever the DID document is built with the key open. A rotated key stays listed,
with ``expires`` at its rotation. Keys retired before this record existed are read from
``<home>/evidence/retired-keys/`` (public PEMs; their file time is the rotation time), without
a P-256 half, which nothing can derive any more.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from haechi.evidence.errors import SigningKeyError
from haechi.evidence.keys import RETIRED_KEYS
from haechi.evidence.signing import SigningKey, key_id, load_key, load_public_key
from haechi.evidence.wacz_auth import anonymous_key
from haechi.store.trust_models import TrustKeyRow
from haechi.trust.config import TrustConfig
from haechi.trust.multibase import ed25519_from_multikey, ed25519_multikey, p256_multikey

EVIDENCE = "evidence"
WACZ_AUTH = "wacz-auth"
PURPOSES = (EVIDENCE, WACZ_AUTH)


def key_file(config: TrustConfig) -> Path:
    """Where the evidence key file is (the setting, or its place in the home)."""
    return config.evidence_key_file or config.home / "evidence" / "signing-key.pem"


def open_evidence_key(config: TrustConfig) -> SigningKey | None:
    """The evidence key when it exists and the passphrase opens it, else ``None``."""
    path = key_file(config)
    if not path.exists():
        return None
    try:
        return load_key(path, config.passphrase)
    except SigningKeyError:
        return None


def _add(
    session: Session, purpose: str, multikey: str, made: datetime, retired: datetime | None
) -> None:
    row = session.scalars(select(TrustKeyRow).where(TrustKeyRow.key_id == multikey)).first()
    if row is not None:
        if retired is not None and row.retired_at is None:
            row.retired_at = retired  # rotated while the record was not told
        return
    try:
        with session.begin_nested():  # a concurrent request may record it first
            session.add(
                TrustKeyRow(purpose=purpose, key_id=multikey, created_at=made, retired_at=retired)
            )
    except IntegrityError:
        pass


def note_evidence_key(session: Session, key: SigningKey, now: datetime) -> None:
    """Record ``key`` as the current evidence key; any other one listed as current retires now."""
    current = {
        EVIDENCE: ed25519_multikey(key.public),
        WACZ_AUTH: p256_multikey(anonymous_key(key).public_key()),
    }
    stale = session.scalars(
        select(TrustKeyRow).where(
            TrustKeyRow.purpose.in_(PURPOSES),
            TrustKeyRow.retired_at.is_(None),
            TrustKeyRow.key_id.not_in(current.values()),
        )
    )
    for row in stale:
        row.retired_at = now
    for purpose, multikey in current.items():
        _add(session, purpose, multikey, now, None)
    session.flush()


def note_retired_files(session: Session, config: TrustConfig) -> None:
    """Record the retired keys kept under ``evidence/retired-keys`` that are not listed yet."""
    folder = config.home / "evidence" / RETIRED_KEYS
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.pem")):
        try:
            public = load_public_key(path.read_bytes())
            when = datetime.fromtimestamp(os.stat(path).st_mtime, UTC).replace(microsecond=0)
        except (OSError, SigningKeyError):
            continue
        _add(session, EVIDENCE, ed25519_multikey(public), when, when)
    session.flush()


def sync_evidence_keys(session: Session, config: TrustConfig, now: datetime) -> None:
    """Bring the record up to date with what the home holds (the key only if it opens)."""
    note_retired_files(session, config)
    key = open_evidence_key(config)
    if key is not None:
        note_evidence_key(session, key, now)


def evidence_key_ids(session: Session) -> tuple[str, ...]:
    """Checkpoint key ids (SHA-256 of the raw public key) of every recorded evidence key."""
    rows = session.scalars(select(TrustKeyRow.key_id).where(TrustKeyRow.purpose == EVIDENCE))
    return tuple(key_id(ed25519_from_multikey(multikey)) for multikey in rows)
