"""A software WebAuthn authenticator for tests: an EC P-256 key made here, attestation
``none``, assertions signed over authenticator data and the client data's hash."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class SoftAuthenticator:
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: os.urandom(16))
    count: int = 0

    def _cose(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def create(self, options: dict[str, Any], origin: str) -> dict[str, Any]:
        """What ``navigator.credentials.create`` would hand the page, as JSON."""
        client = json.dumps(
            {"type": "webauthn.create", "challenge": options["challenge"], "origin": origin}
        ).encode()
        auth = (
            hashlib.sha256(options["rp"]["id"].encode()).digest()
            + bytes([0x01 | 0x04 | 0x40])  # user present, verified, attested credential data
            + self.count.to_bytes(4, "big")
            + bytes(16)  # AAGUID: none
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth})
        return {
            "id": b64u(self.credential_id),
            "rawId": b64u(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64u(client),
                "attestationObject": b64u(attestation),
                "transports": ["internal"],
            },
        }

    def get(self, options: dict[str, Any], origin: str, count: int | None = None) -> dict[str, Any]:
        """What ``navigator.credentials.get`` would hand the page; the counter moves on."""
        self.count = self.count + 1 if count is None else count
        client = json.dumps(
            {"type": "webauthn.get", "challenge": options["challenge"], "origin": origin}
        ).encode()
        auth = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + bytes([0x01 | 0x04])
            + self.count.to_bytes(4, "big")
        )
        signature = self.key.sign(auth + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64u(self.credential_id),
            "rawId": b64u(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64u(client),
                "authenticatorData": b64u(auth),
                "signature": b64u(signature),
                "userHandle": None,
            },
        }
