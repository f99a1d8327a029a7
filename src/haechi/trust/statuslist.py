"""W3C Bitstring Status List v1.0: how a member credential is revoked in public.

The list is a bitstring of 131,072 bits (16 KB, the minimum the standard sets so that one
credential's check does not reveal which one), bit 0 the most significant bit of the first
byte; a set bit means revoked. ``encodedList`` is the bitstring gzipped and written as
multibase base64url (``u`` + unpadded base64url). The list is published as a signed
``BitstringStatusListCredential`` at ``/.well-known/haechi-status.json``; each member
credential points at its own index there with a ``BitstringStatusListEntry``.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable
from typing import Any

from haechi.trust.config import TrustConfig
from haechi.trust.errors import TrustError
from haechi.trust.multibase import decode_base64url, encode_base64url

LIST_BITS = 131_072
PURPOSE = "revocation"
_MAX_LIST_BYTES = 16 * 1024 * 1024  # a list inflating beyond this is refused (gzip bombs)


def encode_list(revoked: Iterable[int], size: int = LIST_BITS) -> str:
    """The ``encodedList`` with the bits of ``revoked`` set."""
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise TrustError(f"status index {index} is outside the list (0..{size - 1})")
        bits[index // 8] |= 0x80 >> (index % 8)
    return encode_base64url(gzip.compress(bytes(bits), mtime=0))


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``; :class:`TrustError` when it is not one."""
    packed = decode_base64url(encoded)
    inflater = zlib.decompressobj(wbits=31)
    try:
        bits = inflater.decompress(packed, _MAX_LIST_BYTES)
    except zlib.error:
        raise TrustError("the status list is not gzip data") from None
    if inflater.unconsumed_tail:
        raise TrustError("the status list is larger than any list haechi reads")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    """Whether bit ``index`` is set; :class:`TrustError` past the end."""
    if not 0 <= index < len(bits) * 8:
        raise TrustError(f"status index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_entry(config: TrustConfig, index: int) -> dict[str, Any]:
    """A member credential's ``credentialStatus``."""
    return {
        "id": f"{config.status_list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": config.status_list_url,
    }


def status_list_credential(config: TrustConfig, revoked: Iterable[int]) -> dict[str, Any]:
    """The unsigned status list credential with ``revoked`` set."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": config.status_list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": config.did,
        "credentialSubject": {
            "id": f"{config.status_list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode_list(revoked),
        },
    }


def revoked_in(list_credential: dict[str, Any], entry: dict[str, Any]) -> bool:
    """Whether ``entry`` (a credentialStatus) is set in ``list_credential`` (already verified)."""
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != entry.get("statusPurpose"):
        raise TrustError("the status list is not a list of this purpose")
    try:
        index = int(str(entry.get("statusListIndex")))
    except ValueError:
        raise TrustError("the status entry has no numeric statusListIndex") from None
    return is_set(decode_list(str(subject.get("encodedList", ""))), index)
