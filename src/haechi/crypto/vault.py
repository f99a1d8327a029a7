"""The vault: seals and opens values with the keyring of one home, and keeps the blind index.

Each database opened by :func:`haechi.store.database.open_database` has its vault attached
(:func:`attach`), so a store finds it from its session (:func:`vault_of`) without every caller
passing keys around. The keyring is read at first use; a missing key file is made only when
something is sealed, so commands that never touch personal data never need the key.

The blind index: a phone number or e-mail address is normalised (digits of a phone number,
``+82`` read as the leading ``0``; an address in lower case) and HMAC-SHA256'd with a key
derived from the data key. An exact lookup hashes the query the same way; the database holds
only the digests. Anyone holding the data key could test guesses (phone numbers are few), so
the index is exactly as secret as the sealed values, and rotation renews it too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import weakref
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from haechi.crypto.envelope import Place, open_sealed, seal
from haechi.crypto.errors import DataKeyError
from haechi.crypto.keys import EnvKeyProvider, FileKeyProvider, KeyProvider, Keyring
from haechi.settings import Settings


class ContactKind(StrEnum):
    """What a contact is, for the blind index (``other`` is sealed but not indexed)."""

    PHONE = "phone"
    EMAIL = "email"
    OTHER = "other"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def normalise_contact(text: str) -> tuple[ContactKind, str]:
    """The kind of a contact and its normal form for exact lookup."""
    value = text.strip()
    if _EMAIL.match(value):
        return ContactKind.EMAIL, value.lower()
    digits = "".join(ch for ch in value if ch.isdigit())
    if value.startswith("+82") and digits.startswith("82"):
        digits = "0" + digits[2:]
    if 7 <= len(digits) <= 15 and not re.search(r"[^\d\s()+\-.]", value):
        return ContactKind.PHONE, digits
    return ContactKind.OTHER, value


class Vault:
    """Seals and opens values for one home, with the keys its provider holds."""

    def __init__(
        self, provider: KeyProvider, holds_sealed: Callable[[], bool] = lambda: False
    ) -> None:
        self.provider = provider
        # Whether the database already holds sealed values: then a missing key is lost, not
        # new, and a fresh key would leave the home sealed under two keys of which one is gone.
        self.holds_sealed = holds_sealed
        self._ring: Keyring | None = None

    def keyring(self, *, create: bool = False) -> Keyring:
        """The keyring (read once); with ``create``, made when the provider has no key yet."""
        if self._ring is None:
            ring = self.provider.load()
            if ring is None:
                if not create or self.holds_sealed():
                    raise DataKeyError(
                        f"no data key: {self.provider.source} does not exist, and this home "
                        "holds sealed data. Restore the key file, or set HAECHI_DATA_KEY_FILE "
                        "or HAECHI_DATA_KEY to the key this home was written with"
                    )
                ring = self.provider.create()
            self._ring = ring
        return self._ring

    def reload(self) -> Keyring:
        """Read the keys again (after a rotation changed them)."""
        self._ring = None
        return self.keyring(create=True)

    def seal(self, place: Place, plaintext: bytes) -> bytes:
        return seal(self.keyring(create=True).current, place, plaintext)

    def open(self, place: Place, blob: bytes) -> bytes:
        return open_sealed(self.keyring(), place, blob)

    def seal_text(self, place: Place, text: str) -> bytes:
        return self.seal(place, text.encode("utf-8"))

    def open_text(self, place: Place, blob: bytes) -> str:
        return self.open(place, blob).decode("utf-8")

    def index_digest(self, kind: ContactKind, normal: str) -> str:
        """The blind-index digest of a normalised contact under the current key."""
        return _digest(self.keyring(create=True).current.index_key, kind, normal)

    def lookup_digests(self, kind: ContactKind, normal: str) -> list[str]:
        """Its digest under every key held (mid-rotation, rows may be under either)."""
        return [_digest(k.index_key, kind, normal) for k in self.keyring().keys.values()]


def _digest(key: bytes, kind: ContactKind, normal: str) -> str:
    return hmac.new(key, f"{kind.value}:{normal}".encode(), hashlib.sha256).hexdigest()


def data_key_file(settings: Settings) -> Path:
    """Where the data key file is: ``HAECHI_DATA_KEY_FILE``, or ``<home>/keys/data.key``."""
    return settings.data_key_file or settings.home / "keys" / "data.key"


def provider_for(settings: Settings) -> KeyProvider:
    """The key provider the settings name: the environment's keys, else the key file."""
    if settings.data_key is not None:
        return EnvKeyProvider(settings.data_key.get_secret_value())
    return FileKeyProvider(data_key_file(settings))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def data_key_warnings(settings: Settings) -> list[str]:
    """What is unsafe about where the data key is kept (empty when all is well)."""
    if settings.data_key is not None:
        return []
    path = data_key_file(settings)
    if path.exists() and _inside(path, settings.home):
        return [
            f"the data key {path} lies inside HAECHI_HOME: anyone who copies the home can read "
            "victims' personal data and bank labels. Move it outside the home and set "
            "HAECHI_DATA_KEY_FILE (or give the key in HAECHI_DATA_KEY)"
        ]
    return []


_VAULTS: weakref.WeakKeyDictionary[Engine, Vault] = weakref.WeakKeyDictionary()


def attach(engine: Engine, vault: Vault) -> None:
    """Make ``vault`` the one every session of ``engine`` seals and opens with."""
    _VAULTS[engine] = vault


def vault_of(session: Session) -> Vault:
    """The vault of the database ``session`` works on."""
    bind = session.get_bind()
    return engine_vault(bind if isinstance(bind, Engine) else bind.engine)


def engine_vault(engine: Engine) -> Vault:
    """The vault attached to ``engine`` (a database's ``engine``)."""
    found = _VAULTS.get(engine)
    if found is None:
        raise DataKeyError(
            "this database was opened without its data key settings (use open_database)"
        )
    return found
