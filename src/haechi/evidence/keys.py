"""Looking after the organisation's signing key: encrypting it, rotating it, warning about it.

The key signs the checkpoints that make evidence count in court, so a copy of it is a licence
to forge. It is kept either encrypted with a passphrase that never touches the disk
(``HAECHI_KEY_PASSPHRASE``) or in a key file outside ``HAECHI_HOME`` (``--key-file`` /
``HAECHI_EVIDENCE_KEY_FILE``), so that a copied or backed-up home cannot sign.
:func:`key_warnings` says when neither holds.

Rotation (:func:`rotate_key`) replaces the key without orphaning what the old one signed:
the old key signs one last checkpoint of the log as it stands, its *public* half is kept under
``<home>/evidence/retired-keys/`` (so this home's ``verify`` goes on trusting it for the
bundles it signed), the new key is written over the key file, and it signs a checkpoint of the
same log at once. The old private key is gone afterwards. Publish the new key id beside the
old one: bundles exported before the rotation carry the old key and still verify.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from haechi.evidence.errors import SigningKeyError
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.signing import (
    SigningKey,
    generate_key,
    is_encrypted,
    key_id,
    load_key,
    load_public_key,
    replace_key_file,
)
from haechi.evidence.store import write_atomic
from haechi.store.home import home_problems

RETIRED_KEYS = "retired-keys"


@dataclass(frozen=True)
class KeyRotation:
    """What a rotation did: the key ids before and after, and where the old public key went."""

    old_key_id: str
    new_key_id: str
    retired_public_key: Path


def retired_key_ids(evidence_dir: Path) -> tuple[str, ...]:
    """Ids of this home's retired keys, from their public keys (file names are not trusted)."""
    folder = evidence_dir / RETIRED_KEYS
    if not folder.is_dir():
        return ()
    ids: list[str] = []
    for path in sorted(folder.glob("*.pem")):
        try:
            ids.append(key_id(load_public_key(path.read_bytes())))
        except (OSError, SigningKeyError):
            continue
    return tuple(dict.fromkeys(ids))


def encrypt_key(path: Path, passphrase: str, old_passphrase: str | None = None) -> SigningKey:
    """Encrypt the key file at ``path`` with ``passphrase`` in place (same key, same id).

    Also changes the passphrase of an encrypted file (``old_passphrase`` opens it).
    """
    if not passphrase:
        raise SigningKeyError("an empty passphrase encrypts nothing; set HAECHI_KEY_PASSPHRASE")
    key = load_key(path, old_passphrase)
    replace_key_file(path, key, passphrase)
    return key


def rotate_key(
    path: Path,
    evidence_dir: Path,
    passphrase: str | None = None,
    old_passphrase: str | None = None,
    locker: EvidenceLocker | None = None,
) -> KeyRotation:
    """Replace the key at ``path`` with a new one; the old public key stays trusted.

    With ``locker``, the old key signs a last checkpoint first and the new key signs one
    straight after, so the log is never without a checkpoint of either key.
    """
    old = load_key(path, old_passphrase if old_passphrase is not None else passphrase)
    if locker is not None:
        locker.key = old
        locker.checkpoint()
    retired = evidence_dir / RETIRED_KEYS / f"{old.key_id}.pem"
    write_atomic(retired, old.public_pem)
    staging = path.with_name(f".{path.name}.new-{os.getpid()}")
    staging.unlink(missing_ok=True)
    new = generate_key(staging, passphrase)
    try:
        os.replace(staging, path)
    except OSError as exc:
        staging.unlink(missing_ok=True)
        raise SigningKeyError(f"cannot install the new key at {path}: {exc.strerror}") from exc
    if locker is not None:
        locker.key = new
        locker.checkpoint()
    return KeyRotation(old.key_id, new.key_id, retired)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def key_warnings(key_file: Path, home: Path, passphrase: str | None) -> list[str]:
    """What is unsafe about where and how the signing key is kept (empty when all is well)."""
    if not key_file.exists():
        return []
    warnings: list[str] = []
    encrypted = is_encrypted(key_file)
    if not encrypted and _inside(key_file, home):
        warnings.append(
            f"the signing key {key_file} lies unencrypted inside HAECHI_HOME: anyone who copies "
            "the home can sign as the organisation. Set HAECHI_KEY_PASSPHRASE and run "
            "`haechi evidence encrypt-key`, or keep the key outside the home "
            "(--key-file / HAECHI_EVIDENCE_KEY_FILE)"
        )
    elif not encrypted and passphrase:
        warnings.append(
            f"HAECHI_KEY_PASSPHRASE is set but the signing key {key_file} is not encrypted: "
            "run `haechi evidence encrypt-key`"
        )
    if encrypted and not passphrase:
        warnings.append(
            f"the signing key {key_file} is encrypted and HAECHI_KEY_PASSPHRASE is not set: "
            "evidence can be neither sealed nor exported until it is set"
        )
    return warnings


def privacy_warnings(
    home: Path, key_file: Path, passphrase: str | None, max_depth: int | None = None
) -> list[str]:
    """Everything to warn about at start: loose modes in the home, an unprotected key.

    ``max_depth`` limits the walk of the home (see :func:`~haechi.store.home.home_problems`).
    """
    return [*home_problems(home, max_depth=max_depth), *key_warnings(key_file, home, passphrase)]
