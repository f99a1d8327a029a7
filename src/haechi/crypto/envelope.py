"""The sealed form of a value at rest: versioned, naming its key, bound to its row.

Format (version 1), as bytes in a BLOB column::

    0x01 | key id (8 bytes) | nonce (12 bytes) | AES-256-GCM ciphertext and tag

The associated data is the header (version and key id) followed by the row's place,
``table/column/row id``: a value copied into another row, or into another column of the same
row, fails authentication instead of opening as someone else's data. The key id says which
key of the keyring opens the value, so rotation can find what is still under an old key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from haechi.crypto.errors import DataKeyError, SealedDataError
from haechi.crypto.keys import KEY_ID_BYTES, DataKey, Keyring

VERSION = 1
NONCE_BYTES = 12
HEADER_BYTES = 1 + KEY_ID_BYTES


@dataclass(frozen=True)
class Place:
    """Where a sealed value lives: its table, column and row id (the associated data)."""

    table: str
    column: str
    row_id: int

    def associated_data(self, header: bytes) -> bytes:
        return header + f"haechi:{self.table}/{self.column}/{self.row_id}".encode()

    def __str__(self) -> str:
        return f"{self.table}.{self.column} of row {self.row_id}"


def seal(key: DataKey, place: Place, plaintext: bytes) -> bytes:
    """``plaintext`` sealed under ``key`` for ``place`` (a fresh random nonce every time)."""
    header = bytes([VERSION]) + bytes.fromhex(key.id)
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(key.encryption_key).encrypt(nonce, plaintext, place.associated_data(header))
    return header + nonce + body


def key_id_of(blob: bytes) -> str:
    """The id of the key a sealed value is under."""
    if len(blob) < HEADER_BYTES + NONCE_BYTES + 16 or blob[0] != VERSION:
        raise SealedDataError("not a sealed value of a version this haechi reads")
    return blob[1:HEADER_BYTES].hex()


def open_sealed(keyring: Keyring, place: Place, blob: bytes) -> bytes:
    """The plaintext of ``blob``, checked to be the value sealed for ``place``.

    :class:`DataKeyError` when the keyring lacks its key (a wrong or missing key file);
    :class:`SealedDataError` when it does not authenticate (altered or moved between rows).
    """
    blob = bytes(blob)
    kid = key_id_of(blob)
    key = keyring.keys.get(kid)
    if key is None:
        raise DataKeyError(
            f"{place} is sealed under data key {kid}, which {keyring.source} does not hold "
            f"(it holds {', '.join(keyring.keys)}): is this the right key? "
            "Set HAECHI_DATA_KEY_FILE or HAECHI_DATA_KEY to the key this home was written with"
        )
    header, nonce, body = (
        blob[:HEADER_BYTES],
        blob[HEADER_BYTES:][:NONCE_BYTES],
        blob[HEADER_BYTES + NONCE_BYTES :],
    )
    try:
        return AESGCM(key.encryption_key).decrypt(nonce, body, place.associated_data(header))
    except InvalidTag:
        raise SealedDataError(
            f"{place} does not open: it was altered, or copied from another row"
        ) from None
