"""Checking a signed document: the proof, the key's life, the dates and the status list.

One function, :func:`verify_document`, for every caller: the command line, the verify page and
tests. Keys come either from a DID document (ours, built from the database, or one the
verifier downloaded: :func:`~haechi.trust.did.published_keys`) or from a key the verifier
pinned (``--key``). Every failure is a named :class:`~haechi.trust.result.Reason`; a document
whose proof fails shows nothing of what it claims.

A proof that holds is not enough when a key may have been stolen: whoever holds it can sign a
document dated before the theft. So the issuer's record of what it published is asked too
(``published``): a document it never published is ``not-published``. A verifier without that
record (offline, another issuer's document) says it could not check it, and a document whose
status list was not read is ``status-unknown``, never quietly valid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from haechi.trust.did import PublishedKey
from haechi.trust.errors import TrustError
from haechi.trust.proof import ASSERTION, CRYPTOSUITE, PROOF_TYPE, proof_holds, read_proof
from haechi.trust.result import Reason, Unchecked, Verification
from haechi.trust.timefmt import parse_time

SUITE = (PROOF_TYPE, CRYPTOSUITE)

# Given a credentialStatus entry: True revoked, False not, None unknown (list not read).
StatusLookup = Callable[[dict[str, Any]], bool | None]
# Given the document whose proof held: whether its issuer published it, None when unknown.
PublicationLookup = Callable[[dict[str, Any]], bool | None]


def issuer_of(document: Mapping[str, Any]) -> str | None:
    """The issuer's id (``issuer`` may be a string or an object with ``id``)."""
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def summary(document: Mapping[str, Any]) -> dict[str, Any]:
    """What the document says, as it says it (no proof, nothing looked up)."""
    return {k: v for k, v in document.items() if k not in ("proof", "@context")}


def _dates(document: Mapping[str, Any], now: datetime) -> list[Reason]:
    reasons: list[Reason] = []
    if "validFrom" in document and parse_time(document["validFrom"]) > now:
        reasons.append(Reason.NOT_YET_VALID)
    if "validUntil" in document and parse_time(document["validUntil"]) < now:
        reasons.append(Reason.EXPIRED)
    return reasons


def verify_document(
    document: Any,
    now: datetime,
    *,
    keys: Mapping[str, PublishedKey] | None = None,
    pinned: Ed25519PublicKey | None = None,
    status: StatusLookup | None = None,
    published: PublicationLookup | None = None,
) -> Verification:
    """The verdict on ``document`` with ``keys`` (a DID document's) or a ``pinned`` key.

    Without ``status`` a document with a ``credentialStatus`` is ``status-unknown``; without
    ``published`` (or when it answers ``None``) publication is listed as unchecked.
    """
    if not isinstance(document, dict):
        return Verification((Reason.MALFORMED,), "the document is not a JSON object")
    raw = document.get("proof")
    if isinstance(raw, dict) and (raw.get("type"), raw.get("cryptosuite")) != SUITE:
        detail = f"the proof is {raw.get('type')}/{raw.get('cryptosuite')}, not {'/'.join(SUITE)}"
        return Verification((Reason.UNSUPPORTED_PROOF,), detail)
    try:
        proof = read_proof(document)
        signed_at = parse_time(proof.created)
    except TrustError as exc:
        return Verification((Reason.MALFORMED,), str(exc))
    if proof.purpose != ASSERTION:
        return Verification((Reason.UNSUPPORTED_PROOF,), f"proof purpose {proof.purpose}")
    method = proof.verification_method
    known: PublishedKey | None = None
    if pinned is not None:
        public = pinned
    else:
        known = (keys or {}).get(method)
        if known is None:
            return Verification(
                (Reason.UNKNOWN_KEY,),
                f"{method} is not a key of this organisation; give the issuer's key with --key",
                method,
            )
        if issuer_of(document) != known.controller:
            return Verification(
                (Reason.ISSUER_MISMATCH,),
                f"signed by a key of {known.controller}, but the issuer says {issuer_of(document)}",
                method,
            )
        public = known.public
    try:
        holds = proof_holds(document, public)
    except TrustError as exc:
        return Verification((Reason.MALFORMED,), str(exc), method)
    if not holds:
        return Verification(
            (Reason.SIGNATURE_MISMATCH,),
            "the signature does not match: the document was changed after signing, "
            "or another key signed it",
            method,
        )
    reasons: list[Reason] = []
    details: list[str] = []
    unchecked: list[Unchecked] = []
    if known is not None and (problem := known.problem_at(signed_at)):
        reasons.append(Reason.KEY_REVOKED if problem == "revoked" else Reason.KEY_RETIRED)
        when = known.revoked if problem == "revoked" else known.expires
        details.append(
            f"signed {proof.created}, after its key was {problem} ({when:%Y-%m-%d %H:%M} UTC)"
        )
    try:
        dated = _dates(document, now)
    except TrustError as exc:
        return Verification((Reason.MALFORMED,), str(exc), method)
    reasons += dated
    if dated:
        details.append(", ".join(r.value for r in dated))
    entry = document.get("credentialStatus")
    if entry is not None:
        revoked = status(entry) if status is not None and isinstance(entry, dict) else None
        if revoked is None:
            reasons.append(Reason.STATUS_UNKNOWN)
            unchecked.append(Unchecked.STATUS)
            where = entry.get("statusListCredential") if isinstance(entry, dict) else None
            details.append(
                f"its status list ({where or 'unnamed'}) was not checked: only its issuer "
                "can say whether it was revoked"
            )
        elif revoked:
            reasons.append(Reason.REVOKED)
            details.append("the issuer revoked it")
    shown = summary(document)
    try:
        was_published = published(document) if published is not None else None
    except TrustError as exc:
        return Verification((Reason.MALFORMED,), str(exc), method)
    if was_published is None:
        unchecked.append(Unchecked.PUBLICATION)
        details.append("whether its issuer published it was not checked (no record of it here)")
    elif not was_published:
        reasons.append(Reason.NOT_PUBLISHED)
        details.append(
            "signed with the organisation's key, but the organisation never published it "
            "(or no longer publishes it): a stolen key can sign anything and date it back"
        )
        shown = {}
    return Verification(
        tuple(reasons),
        "; ".join(details) or "the proof holds",
        method,
        shown,
        tuple(unchecked),
    )
