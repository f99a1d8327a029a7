"""Multibase and Multikey: how keys and signatures are written in DID documents and proofs.

``z`` + base58btc (the bitcoin alphabet) for keys and Ed25519 signatures, ``u`` + unpadded
base64url for status lists. A Multikey is a multicodec prefix (an unsigned varint) before the
raw key: ``0xed`` Ed25519 public, ``0x1300`` Ed25519 private, ``0x1200`` P-256 public
(compressed point). The base58 codec is the ``base58`` package, not our own.
"""

from __future__ import annotations

import base64

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from haechi.trust.errors import TrustError

ED25519_PUBLIC = b"\xed\x01"
ED25519_PRIVATE = b"\x80\x26"
P256_PUBLIC = b"\x80\x24"


def encode_base58btc(data: bytes) -> str:
    """``z`` followed by the base58btc text of ``data``."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(text: str) -> bytes:
    """The bytes of a ``z`` multibase text; :class:`TrustError` if it is not one."""
    if not text.startswith("z") or len(text) < 2:
        raise TrustError("not a base58btc multibase value (it must start with 'z')")
    try:
        return base58.b58decode(text[1:])
    except ValueError:
        raise TrustError("not valid base58btc") from None


def encode_base64url(data: bytes) -> str:
    """``u`` followed by unpadded base64url (status lists' ``encodedList``)."""
    return "u" + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode_base64url(text: str) -> bytes:
    """The bytes of a ``u`` multibase text; :class:`TrustError` if it is not one."""
    if not text.startswith("u"):
        raise TrustError("not a base64url multibase value (it must start with 'u')")
    body = text[1:]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise TrustError("not valid base64url") from None


def ed25519_multikey(public: Ed25519PublicKey) -> str:
    """The ``publicKeyMultibase`` of an Ed25519 key (``z6Mk…``)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return encode_base58btc(ED25519_PUBLIC + raw)


def ed25519_from_multikey(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a ``publicKeyMultibase``; :class:`TrustError` otherwise."""
    data = decode_base58btc(text)
    if not data.startswith(ED25519_PUBLIC) or len(data) != 34:
        raise TrustError("not an Ed25519 Multikey (z6Mk…)")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def ed25519_private_from_multikey(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from its ``secretKeyMultibase`` (test vectors use this form)."""
    data = decode_base58btc(text)
    if not data.startswith(ED25519_PRIVATE) or len(data) != 34:
        raise TrustError("not an Ed25519 private Multikey")
    return Ed25519PrivateKey.from_private_bytes(data[2:])


def p256_multikey(public: ec.EllipticCurvePublicKey) -> str:
    """The ``publicKeyMultibase`` of a P-256 key (``zDn…``, compressed point)."""
    point = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    return encode_base58btc(P256_PUBLIC + point)
