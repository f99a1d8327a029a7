"""The organisation's Ed25519 key and the checkpoints it signs.

A checkpoint says "the evidence log had ``tree_size`` entries with Merkle root ``root_hash`` at
``time``", signed by the organisation. Police and courts check it with the public key alone,
which the organisation publishes; nothing has to be taken on trust from haechi's database.

The private key is loaded from a key file whose path the caller gives (settings decide where);
it is never logged, never printed, and its ``repr`` says only which key it is. The key file must
not be readable by group or others, as OpenSSH insists for the same reason. With a passphrase
the file is PKCS #8 encrypted (``BestAvailableEncryption``: PBES2 with PBKDF2-SHA256 and
AES-256-CBC), so a copy of the home alone cannot sign; a key file written before passphrases
existed still loads.

Signed bytes (version 1) are UTF-8 lines, each ending in ``\\n``::

    haechi-checkpoint/v1
    <origin>            who keeps the log, e.g. the organisation's domain
    <tree_size>         decimal
    <root_hash>         64 lowercase hex digits
    <time>              UTC, ISO 8601 with Z
    <key_id>            SHA-256 of the raw 32-byte public key, hex
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from haechi.evidence.errors import SigningKeyError

CHECKPOINT_FORMAT = "haechi-checkpoint/v1"


def key_id(public: Ed25519PublicKey) -> str:
    """The fingerprint of a public key: SHA-256 of its raw 32 bytes, hex."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_pem(public: Ed25519PublicKey) -> bytes:
    """The public key as PEM (SubjectPublicKeyInfo), the form published and bundled."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A public key from PEM; :class:`SigningKeyError` if it is not an Ed25519 key."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise SigningKeyError(f"not a PEM public key ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError("the public key is not an Ed25519 key")
    return key


class SigningKey:
    """The organisation's private key, able to sign and to say which key it is, nothing more."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = private.public_key()
        self.key_id = key_id(self.public)

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id[:16]}…)"

    def sign(self, message: bytes) -> bytes:
        """An Ed25519 signature over ``message``."""
        return self._private.sign(message)

    @property
    def public_pem(self) -> bytes:
        """The public half as PEM."""
        return public_key_pem(self.public)


def _pem(private: Ed25519PrivateKey, passphrase: str | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def generate_key(path: Path, passphrase: str | None = None) -> SigningKey:
    """Create a new key file at ``path`` (mode 0600, never overwriting) and return the key.

    With ``passphrase`` the file is encrypted with it.
    """
    private = Ed25519PrivateKey.generate()
    pem = _pem(private, passphrase)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise SigningKeyError(f"{path} exists already; a key is never overwritten") from exc
    except OSError as exc:
        raise SigningKeyError(f"cannot create key file {path}: {exc.strerror}") from exc
    try:
        os.fchmod(fd, 0o600)  # whatever the umask said
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    return SigningKey(private)


def replace_key_file(path: Path, key: SigningKey, passphrase: str | None) -> None:
    """Write ``key`` over the file at ``path`` atomically (0600), encrypted with ``passphrase``.

    Used to encrypt an existing key and to install a rotated one; a crash leaves the old file
    or the new one, never a mix.
    """
    pem = _pem(key._private, passphrase)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SigningKeyError(f"cannot write key file {path}: {exc.strerror}") from exc


def is_encrypted(path: Path) -> bool:
    """Whether the key file at ``path`` is passphrase-encrypted (``False`` if unreadable)."""
    try:
        return b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in path.read_bytes()[:4096]
    except OSError:
        return False


def load_key(path: Path, passphrase: str | None = None) -> SigningKey:
    """Load the key file at ``path``; refuse one that group or others can read.

    An encrypted file needs ``passphrase``; an unencrypted one loads with or without it.
    """
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"cannot read key file {path}: {exc.strerror}; create one with generate_key"
        ) from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SigningKeyError(f"key file {path} is readable by others; run chmod 600 {path}")
    encrypted = b"ENCRYPTED PRIVATE KEY" in data
    if encrypted and not passphrase:
        raise SigningKeyError(
            f"key file {path} is encrypted: set HAECHI_KEY_PASSPHRASE to its passphrase"
        )
    password = passphrase.encode("utf-8") if encrypted and passphrase else None
    try:
        private = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError):
        if encrypted:
            raise SigningKeyError(
                f"the passphrase does not open key file {path} (HAECHI_KEY_PASSPHRASE)"
            ) from None
        raise SigningKeyError(f"{path} is not a PEM private key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} holds a key that is not Ed25519")
    return SigningKey(private)


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the log's size and Merkle root at a time.

    ``timestamp_token`` is an optional RFC 3161 token (DER) over SHA-256 of ``signature``,
    from a time-stamping authority: it shows the signature existed by the authority's time.
    """

    origin: str
    tree_size: int
    root_hash: str
    time: str
    key_id: str
    signature: str = ""  # base64
    timestamp_token: str | None = None  # base64 DER TimeStampToken

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers (format version 1)."""
        lines = [
            CHECKPOINT_FORMAT,
            self.origin,
            str(self.tree_size),
            self.root_hash,
            self.time,
            self.key_id,
        ]
        if any("\n" in line for line in lines):
            raise ValueError("checkpoint fields cannot contain newlines")
        return "".join(line + "\n" for line in lines).encode("utf-8")

    def signature_bytes(self) -> bytes:
        """The raw signature."""
        return base64.b64decode(self.signature, validate=True)

    def signed_by(self, key: SigningKey) -> Checkpoint:
        """This checkpoint with ``key``'s signature."""
        unsigned = replace(self, key_id=key.key_id, signature="", timestamp_token=None)
        return replace(
            unsigned, signature=base64.b64encode(key.sign(unsigned.signed_bytes())).decode()
        )

    def verify(self, public: Ed25519PublicKey) -> bool:
        """Whether the signature is ``public``'s over these fields."""
        if key_id(public) != self.key_id:
            return False
        try:
            public.verify(self.signature_bytes(), self.signed_bytes())
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        """The stored form (``format`` names the version)."""
        out: dict[str, Any] = {
            "format": CHECKPOINT_FORMAT,
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "time": self.time,
            "key_id": self.key_id,
            "signature": self.signature,
        }
        if self.timestamp_token is not None:
            out["timestamp_token"] = self.timestamp_token
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        """Read the stored form; ``ValueError`` if it is not a version 1 checkpoint."""
        if data.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"not a {CHECKPOINT_FORMAT} checkpoint")
        try:
            return cls(
                origin=str(data["origin"]),
                tree_size=int(data["tree_size"]),
                root_hash=str(data["root_hash"]),
                time=str(data["time"]),
                key_id=str(data["key_id"]),
                signature=str(data["signature"]),
                timestamp_token=(
                    str(data["timestamp_token"]) if data.get("timestamp_token") else None
                ),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"checkpoint field missing or wrong: {exc}") from exc
