"""The eddsa-jcs-2022 signer and verifier against the W3C vc-di-eddsa test vectors."""

from __future__ import annotations

import json
from pathlib import Path

from haechi.trust.multibase import ed25519_from_multikey, ed25519_private_from_multikey
from haechi.trust.proof import canonical, hash_data, proof_holds, sign_document

DATA = Path(__file__).parent.parent / "data" / "vc-di-eddsa"
KEYS = json.loads((DATA / "keyPair.json").read_text())
SIGNED = json.loads((DATA / "eddsa-jcs-2022" / "signedJCS.json").read_text())


def test_their_signed_document_verifies_with_their_key() -> None:
    assert proof_holds(SIGNED, ed25519_from_multikey(KEYS["publicKeyMultibase"]))


def test_our_signer_reproduces_their_proof_value_byte_for_byte() -> None:
    unsecured = {k: v for k, v in SIGNED.items() if k != "proof"}
    proof = SIGNED["proof"]
    ours = sign_document(
        unsecured,
        ed25519_private_from_multikey(KEYS["privateKeyMultibase"]),
        proof["verificationMethod"],
        proof["created"],
    )
    assert ours["proof"] == proof
    assert canonical(unsecured) == (DATA / "eddsa-jcs-2022" / "canonDocJCS.txt").read_bytes()
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    assert options == json.loads((DATA / "eddsa-jcs-2022" / "proofConfigJCS.json").read_text())
    assert canonical(options) == (DATA / "eddsa-jcs-2022" / "proofCanonJCS.txt").read_bytes()
    combined = (DATA / "eddsa-jcs-2022" / "combinedHashJCS.txt").read_text().strip()
    assert hash_data(unsecured, options).hex() == combined
    assert proof["proofValue"] == (DATA / "eddsa-jcs-2022" / "sigBTC58JCS.txt").read_text().strip()


def test_any_changed_field_breaks_their_proof() -> None:
    public = ed25519_from_multikey(KEYS["publicKeyMultibase"])
    for field, value in [
        ("issuer", "https://forger.example"),
        ("validFrom", "2024-01-01T00:00:00Z"),
    ]:
        assert not proof_holds({**SIGNED, field: value}, public)
    subject = {**SIGNED["credentialSubject"], "alumniOf": "Another School"}
    assert not proof_holds({**SIGNED, "credentialSubject": subject}, public)
    proof = {**SIGNED["proof"], "created": "2023-02-25T00:00:00Z"}
    assert not proof_holds({**SIGNED, "proof": proof}, public)
