"""The organisation's ``did:web`` document: every key it ever signed with, and each key's life.

Served at ``/.well-known/did.json``. Each key is a ``Multikey`` verification method named
``<did>#<publicKeyMultibase>``; a rotated key carries ``expires`` (when it stopped signing) and
a compromised one ``revoked`` (from when its signatures are void), the properties W3C's
Controlled Identifiers define for this. The evidence checkpoint keys (Ed25519) and the P-256
keys of the bundles' wacz-auth signatures are listed too, current and retired, from their
public record (:mod:`haechi.trust.evidence_keys`), whether or not the passphrase is at hand.
Verifiers read keys back with :func:`published_keys`, so checking a document against a
downloaded DID document and against our own database is one code path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from haechi.trust.config import TrustConfig
from haechi.trust.errors import TrustError
from haechi.trust.keys import KeyRecord
from haechi.trust.multibase import ed25519_from_multikey
from haechi.trust.timefmt import parse_time, time_text

CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
_NAMES = {
    "evidence": "haechi evidence checkpoints",
    "wacz-auth": "haechi wacz-auth bundles (P-256)",
}


def did_document(config: TrustConfig, keys: Sequence[KeyRecord]) -> dict[str, Any]:
    """The DID document of the organisation with ``keys`` (evidence keys included)."""
    did = config.did
    methods: list[dict[str, Any]] = []
    for key in keys:
        method: dict[str, Any] = {
            "id": f"{did}#{key.key_id}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.key_id,
            "name": _NAMES.get(key.purpose, f"haechi {key.purpose}"),
        }
        if key.retired_at is not None:
            method["expires"] = time_text(key.retired_at)
        if key.revoked_from is not None:
            method["revoked"] = time_text(key.revoked_from)
        methods.append(method)
    return {
        "@context": CONTEXT,
        "id": did,
        "alsoKnownAs": [config.public_url],
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


@dataclass(frozen=True)
class PublishedKey:
    """An Ed25519 key as a DID document lists it."""

    id: str
    controller: str
    public: Ed25519PublicKey
    expires: datetime | None = None
    revoked: datetime | None = None

    def problem_at(self, signed: datetime) -> str | None:
        """``revoked`` or ``retired`` when a signature made at ``signed`` must not count."""
        if self.revoked is not None and signed >= self.revoked:
            return "revoked"
        if self.expires is not None and signed > self.expires:
            return "retired"
        return None


def published_keys(document: Mapping[str, Any]) -> dict[str, PublishedKey]:
    """The Ed25519 assertion keys of a DID document, by verification method id."""
    asserting = set(document.get("assertionMethod") or [])
    found: dict[str, PublishedKey] = {}
    for method in document.get("verificationMethod") or []:
        if not isinstance(method, dict) or method.get("id") not in asserting:
            continue
        try:
            public = ed25519_from_multikey(str(method.get("publicKeyMultibase", "")))
            expires = parse_time(method["expires"]) if "expires" in method else None
            revoked = parse_time(method["revoked"]) if "revoked" in method else None
        except TrustError:
            continue  # not Ed25519 (the P-256 key) or unreadable: not a document key
        found[str(method["id"])] = PublishedKey(
            str(method["id"]), str(method.get("controller", "")), public, expires, revoked
        )
    return found
