"""The organisation's Ed25519 keys, one per purpose, and their lives.

Each purpose (``notices``: takedown notices and police packages; ``credentials``: member
credentials and the status list) has one current key. The private key is a file under
``<home>/trust/keys/`` written as the evidence signing key is (:mod:`haechi.evidence.signing`:
0600, PKCS #8 encrypted with ``HAECHI_KEY_PASSPHRASE``), named by its ``publicKeyMultibase``;
the database holds only the public record (``trust_keys``). A key made before the passphrase
was set is encrypted in place the first time it is used with it, and ``haechi trust key``
warns while a key lies unencrypted. The
evidence checkpoint key stays where :mod:`haechi.evidence.keys` keeps it and is listed beside
these in the DID document, from its own public record (:mod:`haechi.trust.evidence_keys`,
purposes ``evidence`` and ``wacz-auth``).

Rotation retires the current key (its documents stay valid: they were signed before) and
deletes its private file. Revocation marks a key compromised from a date: whatever it signed
after that date fails verification; a revoked current key is replaced at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.evidence.errors import SigningKeyError
from haechi.evidence.signing import (
    SigningKey,
    generate_key,
    is_encrypted,
    load_key,
    replace_key_file,
)
from haechi.store.trust_models import TrustKeyRow
from haechi.trust.config import TrustConfig
from haechi.trust.errors import TrustError, TrustKeyError
from haechi.trust.multibase import ed25519_multikey

_ENCRYPTING = threading.Lock()


class Purpose(StrEnum):
    """What a key signs (stable short names)."""

    NOTICES = "notices"
    CREDENTIALS = "credentials"


@dataclass(frozen=True)
class KeyRecord:
    """A key's public record."""

    purpose: str
    key_id: str  # publicKeyMultibase
    created_at: datetime
    retired_at: datetime | None
    revoked_from: datetime | None
    revoked_reason: str | None

    @property
    def current(self) -> bool:
        """Whether it signs new documents now."""
        return self.retired_at is None and self.revoked_from is None

    def problem_at(self, signed: datetime) -> str | None:
        """``revoked`` or ``retired`` when a document signed at ``signed`` must not be trusted."""
        if self.revoked_from is not None and signed >= self.revoked_from:
            return "revoked"
        if self.retired_at is not None and signed > self.retired_at:
            return "retired"
        return None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "purpose": self.purpose,
            "publicKeyMultibase": self.key_id,
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
            "revoked_from": self.revoked_from.isoformat() if self.revoked_from else None,
            "revoked_reason": self.revoked_reason,
        }


def _record(row: TrustKeyRow) -> KeyRecord:
    return KeyRecord(
        row.purpose,
        row.key_id,
        row.created_at,
        row.retired_at,
        row.revoked_from,
        row.revoked_reason,
    )


def _file(config: TrustConfig, key_id: str) -> Path:
    return config.keys_dir / f"{key_id}.pem"


def all_keys(session: Session) -> list[KeyRecord]:
    """Every key ever made, oldest first."""
    return [_record(r) for r in session.scalars(select(TrustKeyRow).order_by(TrustKeyRow.id))]


def find_key(session: Session, key_id: str) -> KeyRecord | None:
    """The record of ``key_id``, if it is one of ours."""
    row = session.scalars(select(TrustKeyRow).where(TrustKeyRow.key_id == key_id)).first()
    return _record(row) if row else None


def _new_key(session: Session, config: TrustConfig, purpose: Purpose, now: datetime) -> SigningKey:
    staging = config.keys_dir / f".new-{purpose.value}.pem"
    staging.unlink(missing_ok=True)
    try:
        key = generate_key(staging, config.passphrase)
    except SigningKeyError as exc:
        raise TrustKeyError(str(exc)) from None
    key_id = ed25519_multikey(key.public)
    staging.replace(_file(config, key_id))
    session.add(TrustKeyRow(purpose=purpose.value, key_id=key_id, created_at=now))
    session.flush()
    return key


def current_key(
    session: Session, config: TrustConfig, purpose: Purpose, now: datetime
) -> tuple[str, SigningKey]:
    """The current key of ``purpose`` and its id, made on first use."""
    row = session.scalars(
        select(TrustKeyRow).where(
            TrustKeyRow.purpose == purpose.value,
            TrustKeyRow.retired_at.is_(None),
            TrustKeyRow.revoked_from.is_(None),
        )
    ).first()
    if row is None:
        key = _new_key(session, config, purpose, now)
        return ed25519_multikey(key.public), key
    path = _file(config, row.key_id)
    try:
        key = _opened(str(path), path.stat().st_ctime_ns, config.passphrase)
    except OSError as exc:
        raise TrustKeyError(
            f"the {purpose.value} key cannot be used: cannot read key file {path}: {exc.strerror}"
        ) from None
    except SigningKeyError as exc:
        raise TrustKeyError(f"the {purpose.value} key cannot be used: {exc}") from None
    if ed25519_multikey(key.public) != row.key_id:
        raise TrustKeyError(f"the key file of {row.key_id} holds another key")
    if config.passphrase and not is_encrypted(path):
        # Made before the passphrase was set: encrypted in place now (same key, same id), once
        # even when the server's threads ask for it together.
        with _ENCRYPTING:
            try:
                if not is_encrypted(path):
                    replace_key_file(path, key, config.passphrase)
            except SigningKeyError as exc:
                raise TrustKeyError(f"the {purpose.value} key cannot be encrypted: {exc}") from None
    return row.key_id, key


@lru_cache(maxsize=8)
def _opened(path: str, ctime_ns: int, passphrase: str | None) -> SigningKey:
    """A key file opened once per change (its content or mode changes its ctime): its PBKDF2
    must not run for every public request (``/.well-known/haechi-status.json`` is signed as it
    is asked for)."""
    return load_key(Path(path), passphrase)


def unencrypted_keys(session: Session, config: TrustConfig) -> list[Path]:
    """The current keys' files that lie unencrypted (no ``HAECHI_KEY_PASSPHRASE`` yet)."""
    files = [_file(config, r.key_id) for r in all_keys(session) if r.current]
    return [f for f in files if f.exists() and not is_encrypted(f)]


def ensure_keys(session: Session, config: TrustConfig, now: datetime) -> list[KeyRecord]:
    """Make the keys that do not exist yet; every key's record."""
    for purpose in Purpose:
        current_key(session, config, purpose, now)
    return all_keys(session)


def _retire(config: TrustConfig, row: TrustKeyRow) -> None:
    _file(config, row.key_id).unlink(missing_ok=True)


def rotate_key(
    session: Session, config: TrustConfig, purpose: Purpose, now: datetime
) -> tuple[KeyRecord, KeyRecord]:
    """Retire the current key of ``purpose`` (valid for what it signed) and make a new one."""
    old_id, _ = current_key(session, config, purpose, now)
    row = session.scalars(select(TrustKeyRow).where(TrustKeyRow.key_id == old_id)).one()
    row.retired_at = now
    session.flush()
    new_id, _ = current_key(session, config, purpose, now)
    _retire(config, row)
    new = find_key(session, new_id)
    assert new is not None
    return _record(row), new


def revoke_key(
    session: Session,
    config: TrustConfig,
    key_id: str,
    revoked_from: datetime,
    reason: str,
    now: datetime,
) -> KeyRecord:
    """Mark ``key_id`` compromised from ``revoked_from``; a current key is replaced."""
    row = session.scalars(select(TrustKeyRow).where(TrustKeyRow.key_id == key_id)).first()
    if row is None:
        raise TrustError(f"{key_id} is not one of this organisation's keys (`haechi trust key`)")
    if not reason.strip():
        raise TrustError("say why the key is revoked (--reason)")
    was_current = row.retired_at is None and row.revoked_from is None
    row.revoked_from = revoked_from
    row.revoked_reason = reason.strip()
    if row.retired_at is None:
        row.retired_at = now
    session.flush()
    if row.purpose not in {p.value for p in Purpose}:
        return _record(row)  # an evidence key: its file is replaced by `haechi evidence rotate-key`
    _retire(config, row)
    if was_current:
        current_key(session, config, Purpose(row.purpose), now)
    return _record(row)
