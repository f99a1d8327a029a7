"""Victims' personal data and bank labels sealed at rest (AES-256-GCM), keys kept elsewhere.

:mod:`~haechi.crypto.keys` holds the data keys and their providers, :mod:`~haechi.crypto.envelope`
the versioned sealed form bound to its row, :mod:`~haechi.crypto.vault` the per-database vault
and the blind index, :mod:`~haechi.crypto.labels` bank labels, and
:mod:`~haechi.crypto.rotation` re-sealing everything under a new key.
"""

from haechi.crypto.envelope import Place
from haechi.crypto.errors import DataKeyError, SealedDataError
from haechi.crypto.keys import DataKey, EnvKeyProvider, FileKeyProvider, KeyProvider, Keyring
from haechi.crypto.vault import ContactKind, Vault, normalise_contact, vault_of

__all__ = [
    "ContactKind",
    "DataKey",
    "DataKeyError",
    "EnvKeyProvider",
    "FileKeyProvider",
    "KeyProvider",
    "Keyring",
    "Place",
    "SealedDataError",
    "Vault",
    "normalise_contact",
    "vault_of",
]
