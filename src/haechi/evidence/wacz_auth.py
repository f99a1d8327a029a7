"""Bundles in webrecorder's trust format: a wacz-auth 0.1.0 anonymous signature.

``datapackage-digest.json`` carries ``signedData`` = ``{hash, created, software, signature,
publicKey}``: ECDSA P-256 with SHA-256 over the ASCII text of ``hash`` (``sha256:<hex>`` of
``datapackage.json``), the signature as base64 of the raw ``r || s`` pair and the public key as
base64 DER SubjectPublicKeyInfo, as webrecorder's tools read it; ``created`` equals the
datapackage's own ``created``, which ``wacz validate`` checks.

The P-256 key is not another file to guard: it is derived from the organisation's Ed25519
evidence key (HKDF-SHA256 over that key's deterministic signature of a fixed label, which can
never be a checkpoint's text), so it exists exactly where the evidence key does, rotates with
it, and is published in the DID document beside it. The Ed25519 checkpoint remains the proof
haechi relies on; this signature lets webrecorder's tools report the bundle as signed.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from haechi.evidence.signing import SigningKey

_LABEL = b"haechi wacz-auth P-256 key/v1\n"
_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)


def anonymous_key(evidence_key: SigningKey) -> ec.EllipticCurvePrivateKey:
    """The P-256 key that belongs to ``evidence_key`` (the same every time)."""
    seed = HKDF(hashes.SHA256(), 48, salt=None, info=_LABEL).derive(evidence_key.sign(_LABEL))
    scalar = int.from_bytes(seed, "big") % (_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def public_key_b64(public: ec.EllipticCurvePublicKey) -> str:
    """The public key as wacz-auth writes it: base64 DER SubjectPublicKeyInfo."""
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def signed_data(
    package_hash: str, created: str, software: str, key: ec.EllipticCurvePrivateKey
) -> dict[str, Any]:
    """The anonymous ``signedData`` of a datapackage whose digest is ``package_hash``."""
    der = key.sign(package_hash.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return {
        "hash": package_hash,
        "created": created,
        "software": software,
        "signature": base64.b64encode(raw).decode("ascii"),
        "publicKey": public_key_b64(key.public_key()),
    }


def check_signed_data(data: Any, package_hash: str, created: Any) -> tuple[bool, str]:
    """Whether ``signedData`` is a good anonymous signature of this datapackage, and why not."""
    if not isinstance(data, dict):
        return False, "signedData is not an object"
    if data.get("hash") != package_hash:
        return False, f"signedData signs {data.get('hash')}, not datapackage.json ({package_hash})"
    if data.get("created") != created:
        return False, "signedData's created differs from the datapackage's"
    try:
        public = serialization.load_der_public_key(base64.b64decode(str(data["publicKey"])))
        raw = base64.b64decode(str(data["signature"]), validate=True)
    except (KeyError, ValueError, TypeError):
        return False, "signedData's publicKey or signature is not readable"
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(
        public.curve, ec.SECP256R1
    ):
        return False, "signedData's publicKey is not an ECDSA P-256 key"
    if len(raw) != 64:
        return False, "signedData's signature is not a raw 64-byte P-256 signature"
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, package_hash.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False, "the wacz-auth signature does not match datapackage.json"
    return True, "wacz-auth 0.1.0 anonymous signature (ECDSA P-256) holds"
