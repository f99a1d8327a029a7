"""Backup keys: age X25519 identities (private) and recipients (public).

Backups are age files (https://age-encryption.org/v1) made with ``pyrage``, the Python binding
of ``rage``: a standard, well-reviewed format, so a backup opens with the stock ``age`` or
``rage`` tools even without haechi (``age -d -i key.txt backup.age | tar x``). The home keeps
only the *public* keys it encrypts for (``<home>/backup-recipients.txt``); the identities
stay with the people who may restore, never in the home, so neither a copied home nor a
stolen backup disk can open a backup.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haechi.ops.errors import BackupKeyError

RECIPIENTS_FILE = "backup-recipients.txt"
_PUBLIC_PREFIX = "age1"
_SECRET_PREFIX = "AGE-SECRET-KEY-1"


def _x25519() -> Any:
    from pyrage import x25519  # type: ignore[import-untyped]

    return x25519


@dataclass(frozen=True)
class KeyPair:
    """A new identity file and the public key to encrypt backups for."""

    identity_file: Path
    recipient: str


def generate_identity(path: Path) -> KeyPair:
    """Write a new identity to ``path`` (0600, in age-keygen's format); refuse to overwrite."""
    identity = _x25519().Identity.generate()
    public = str(identity.to_public())
    text = (
        f"# created: {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
        f"# public key: {public}\n{identity}\n"
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupKeyError(f"{path} exists already; choose another file") from None
    except OSError as exc:
        raise BackupKeyError(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return KeyPair(path, public)


def _lines(text: str) -> list[str]:
    return [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]


def parse_recipients(values: Iterable[str]) -> list[Any]:
    """Recipients from ``age1…`` strings; a bad one is named."""
    x25519 = _x25519()
    out = []
    for value in values:
        if not value.startswith(_PUBLIC_PREFIX):
            raise BackupKeyError(f"{value[:12]!r}… is not an age public key (age1…)")
        try:
            out.append(x25519.Recipient.from_str(value))
        except Exception as exc:  # pyrage raises its own RecipientError, untyped
            raise BackupKeyError(f"{value[:12]!r}… is not a usable age public key: {exc}") from None
    return out


def read_recipients_file(path: Path) -> list[str]:
    """The public keys in a recipients file (one per line, ``#`` comments)."""
    try:
        return _lines(path.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupKeyError(f"cannot read recipients file {path}: {exc}") from None


def home_recipients(home: Path) -> list[str]:
    """The public keys this home encrypts its backups for (empty if none are set)."""
    path = home / RECIPIENTS_FILE
    return read_recipients_file(path) if path.exists() else []


def add_home_recipient(home: Path, recipient: str) -> Path:
    """Add a public key to the home's recipients file (checked; kept once)."""
    from haechi.store.home import prepare_home

    parse_recipients([recipient])
    prepare_home(home)
    path = home / RECIPIENTS_FILE
    present = home_recipients(home)
    if recipient not in present:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="ascii") as handle:
            handle.write(recipient + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    return path


def load_identities(paths: Sequence[Path]) -> list[Any]:
    """Identities from identity files (age-keygen's format); a bad file is named."""
    if not paths:
        raise BackupKeyError("give the identity (private key) file the backup was made for")
    x25519 = _x25519()
    out = []
    for path in paths:
        try:
            secrets = [s for s in _lines(path.read_text(encoding="ascii"))]
        except (OSError, UnicodeDecodeError) as exc:
            raise BackupKeyError(f"cannot read identity file {path}: {exc}") from None
        keys = [s for s in secrets if s.startswith(_SECRET_PREFIX)]
        if not keys:
            raise BackupKeyError(f"{path} holds no age identity (AGE-SECRET-KEY-1…)")
        for key in keys:
            try:
                out.append(x25519.Identity.from_str(key))
            except Exception:  # pyrage's IdentityError; the secret itself is never shown
                raise BackupKeyError(f"{path} holds a damaged age identity") from None
    return out
