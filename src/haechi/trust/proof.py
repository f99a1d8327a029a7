"""Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (W3C vc-di-eddsa, §3.3).

Signing: the proof options (``type``, ``cryptosuite``, ``created``, ``verificationMethod``,
``proofPurpose`` and the document's ``@context``) and the document without its proof are each
canonicalised with JCS (RFC 8785, the ``rfc8785`` package), hashed with SHA-256, and the two
hashes (options first) are signed with Ed25519; ``proofValue`` is the signature in base58btc.
Verification redoes the same from the document as received, so any changed byte of meaning
breaks it. Tested against the W3C test vectors byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from haechi.trust.errors import TrustError
from haechi.trust.multibase import decode_base58btc, encode_base58btc

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
ASSERTION = "assertionMethod"


class Signer(Protocol):
    """Anything that makes Ed25519 signatures (a private key, or haechi's ``SigningKey``)."""

    def sign(self, data: bytes, /) -> bytes:
        """The signature of ``data``."""
        ...


def canonical(value: Any) -> bytes:
    """The JCS (RFC 8785) bytes of a JSON value; :class:`TrustError` for what JSON cannot be."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise TrustError(f"not canonical JSON: {exc}") from None


def hash_data(document: Mapping[str, Any], options: Mapping[str, Any]) -> bytes:
    """SHA-256 of the canonical options, then SHA-256 of the canonical document (64 bytes)."""
    return (
        hashlib.sha256(canonical(dict(options))).digest()
        + hashlib.sha256(canonical(dict(document))).digest()
    )


def sign_document(
    document: Mapping[str, Any],
    key: Signer,
    verification_method: str,
    created: str,
    purpose: str = ASSERTION,
) -> dict[str, Any]:
    """``document`` with an ``eddsa-jcs-2022`` proof added (any earlier proof is replaced)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": purpose,
    }
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    signature = key.sign(hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": encode_base58btc(signature)}}


@dataclass(frozen=True)
class Proof:
    """The parts of a document's proof that verification needs."""

    verification_method: str
    created: str
    purpose: str
    options: dict[str, Any]
    signature: bytes


def read_proof(document: Mapping[str, Any]) -> Proof:
    """The document's single proof; :class:`TrustError` naming what is wrong with it."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise TrustError("the document has no proof (or more than one)")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise TrustError(
            f"the proof is {proof.get('type')}/{proof.get('cryptosuite')}, "
            f"not {PROOF_TYPE}/{CRYPTOSUITE}"
        )
    fields = ("verificationMethod", "created", "proofPurpose", "proofValue")
    if not all(isinstance(proof.get(name), str) for name in fields):
        raise TrustError(f"the proof needs {', '.join(fields)} as text")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    return Proof(
        proof["verificationMethod"],
        proof["created"],
        proof["proofPurpose"],
        options,
        decode_base58btc(proof["proofValue"]),
    )


def proof_holds(document: Mapping[str, Any], public: Ed25519PublicKey) -> bool:
    """Whether the document's proof is a good signature by ``public`` over what it says.

    :class:`TrustError` when the proof cannot even be read (see :func:`read_proof`).
    """
    proof = read_proof(document)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    context = proof.options.get("@context")
    if context is not None:
        # The proof's context must begin the document's, in order (vc-di-eddsa §3.3.2).
        doc_context = unsecured.get("@context")
        ours = context if isinstance(context, list) else [context]
        theirs = doc_context if isinstance(doc_context, list) else [doc_context]
        if theirs[: len(ours)] != ours:
            return False
        unsecured["@context"] = context
    try:
        public.verify(proof.signature, hash_data(unsecured, proof.options))
    except InvalidSignature:
        return False
    return True
