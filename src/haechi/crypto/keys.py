"""Data keys and where they live: a key file, an environment variable, or a key service.

A data key is 32 random bytes that never enter the database. From it, HKDF-SHA256 derives
the AES-256-GCM key that seals values, the HMAC key of the blind index, and the key's id
(8 bytes, shown as 16 hex digits), so a sealed value can name its key without revealing it.

A :class:`Keyring` is the current key (which seals) and any older keys still needed to open
values a rotation has not reached yet. A :class:`KeyProvider` gives the keyring:

- :class:`FileKeyProvider`: a JSON file readable by the server's account alone (0600),
  ``HAECHI_DATA_KEY_FILE``, by default ``<home>/keys/data.key`` (made at first use; keep it
  outside the home so that a copy of the home opens nothing);
- :class:`EnvKeyProvider`: ``HAECHI_DATA_KEY``, base64 keys separated by commas, the
  current one first;
- a subclass of :class:`KeyProvider` for an external key service (a KMS or vault), which
  hands out the same keyring.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from haechi.crypto.errors import DataKeyError

KEY_BYTES = 32
KEY_ID_BYTES = 8
FILE_FORMAT = "haechi-data-keys"
FILE_VERSION = 1


def _derive(secret: bytes, purpose: bytes, length: int = 32) -> bytes:
    return HKDF(hashes.SHA256(), length, salt=None, info=b"haechi/" + purpose).derive(secret)


@dataclass(frozen=True)
class DataKey:
    """One data key and the keys derived from it."""

    secret: bytes = field(repr=False)
    id: str = field(init=False)
    encryption_key: bytes = field(init=False, repr=False)
    index_key: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise DataKeyError(f"a data key is {KEY_BYTES} bytes, not {len(self.secret)}")
        object.__setattr__(self, "id", _derive(self.secret, b"key-id", KEY_ID_BYTES).hex())
        object.__setattr__(self, "encryption_key", _derive(self.secret, b"seal"))
        object.__setattr__(self, "index_key", _derive(self.secret, b"blind-index"))

    @classmethod
    def generate(cls) -> DataKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_base64(cls, text: str, where: str) -> DataKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise DataKeyError(f"{where} is not base64") from None
        if len(raw) != KEY_BYTES:
            raise DataKeyError(f"{where} holds {len(raw)} bytes; a data key is {KEY_BYTES}")
        return cls(raw)

    def to_base64(self) -> str:
        return base64.b64encode(self.secret).decode()


@dataclass(frozen=True)
class Keyring:
    """The current key (it seals everything new) and every key that may still open values."""

    current: DataKey
    keys: dict[str, DataKey]
    source: str  # where the keys came from, for messages ("the key file /x", ...)

    @classmethod
    def of(cls, current: DataKey, older: list[DataKey], source: str) -> Keyring:
        keys = {current.id: current}
        keys.update((k.id, k) for k in older if k.id != current.id)
        return cls(current, keys, source)

    @property
    def retiring(self) -> list[str]:
        """Ids of keys other than the current one: a rotation is not finished while any remain."""
        return [k for k in self.keys if k != self.current.id]


class KeyProvider(ABC):
    """Where the data keys live. Implement :meth:`load` for an external key service."""

    #: Where the keys are, for messages; never the keys themselves.
    source: str = "the key provider"

    @abstractmethod
    def load(self) -> Keyring | None:
        """The keyring, or ``None`` when no key exists yet. Raises :class:`DataKeyError`."""

    def create(self) -> Keyring:
        """Make the first key (when :meth:`load` found none); providers that cannot, refuse."""
        raise DataKeyError(f"no data key in {self.source}, and haechi cannot make one there")

    def begin_rotation(self) -> Keyring:
        """Make a new current key, keeping the old ones until :meth:`finish_rotation`."""
        raise DataKeyError(
            f"{self.source} cannot make keys: add a new key as the current one there (the old "
            "one kept), then run `haechi keys rotate` again"
        )

    def finish_rotation(self, keyring: Keyring) -> str:
        """Forget every key but the current one; returns what the operator must still do."""
        return f"remove the old keys {', '.join(keyring.retiring)} from {self.source}"


class EnvKeyProvider(KeyProvider):
    """Keys given in ``HAECHI_DATA_KEY``: base64, separated by commas, the current one first."""

    def __init__(self, value: str, name: str = "HAECHI_DATA_KEY") -> None:
        self.value = value
        self.source = name

    def load(self) -> Keyring:
        parts = [p for p in self.value.split(",") if p.strip()]
        if not parts:
            raise DataKeyError(f"{self.source} is set but empty")
        keys = [
            DataKey.from_base64(p, f"key {i + 1} of {self.source}") for i, p in enumerate(parts)
        ]
        return Keyring.of(keys[0], keys[1:], self.source)

    def finish_rotation(self, keyring: Keyring) -> str:
        return (
            f"everything is sealed under {keyring.current.id}: remove the other keys from "
            f"{self.source} (keep only the first)"
        )


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, 0600 from the start, fsynced."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = path.with_name(f".{path.name}.{os.getpid()}.new")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(staging, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class FileKeyProvider(KeyProvider):
    """A key file readable by the server alone (JSON: the current key id and every key)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = f"the key file {path}"

    def load(self) -> Keyring | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DataKeyError(
                f"cannot read the data key file {self.path}: {exc.strerror}"
            ) from None
        try:
            doc = json.loads(text)
            if doc.get("format") != FILE_FORMAT or doc.get("version") != FILE_VERSION:
                raise ValueError("not a haechi data key file of a version this haechi reads")
            keys = [
                DataKey.from_base64(v, f"key {k} of {self.path}") for k, v in doc["keys"].items()
            ]
            by_id = {k.id: k for k in keys}
            current = by_id[doc["current"]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DataKeyError(f"the data key file {self.path} is damaged: {exc}") from None
        return Keyring.of(current, keys, self.source)

    def _save(self, current: DataKey, keys: list[DataKey]) -> Keyring:
        doc = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "current": current.id,
            "keys": {k.id: k.to_base64() for k in keys},
        }
        try:
            _write_private(self.path, json.dumps(doc, indent=1) + "\n")
        except OSError as exc:
            raise DataKeyError(
                f"cannot write the data key file {self.path}: {exc.strerror}"
            ) from None
        return Keyring.of(current, keys, self.source)

    def create(self) -> Keyring:
        key = DataKey.generate()
        return self._save(key, [key])

    def begin_rotation(self) -> Keyring:
        ring = self.load()
        if ring is None:
            return self.create()
        new = DataKey.generate()
        return self._save(new, [new, *ring.keys.values()])

    def finish_rotation(self, keyring: Keyring) -> str:
        self._save(keyring.current, [keyring.current])
        return ""
