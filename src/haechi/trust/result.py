"""The verdict on a signed document, with every reason named.

A forgery is not an error but an answer: :class:`Verification` says ``valid``, ``invalid``,
``revoked`` or ``expired`` and names each reason (:class:`Reason`), so the verify page, the
command and tests all speak of the same failures. What the verifier could not check (whether
the issuer published it, its status list) is listed in ``unchecked`` and said in ``detail``.
Only what the document itself says is shown (``summary``); nothing is looked up about the
people in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """The answer a person reads first."""

    VALID = "valid"
    INVALID = "invalid"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Reason(StrEnum):
    """Why a document is not valid (stable short names, shown and tested)."""

    MALFORMED = "malformed"  # not a JSON object with one proof, or a field of the wrong type
    UNSUPPORTED_PROOF = "unsupported-proof"  # not a DataIntegrityProof with eddsa-jcs-2022
    UNKNOWN_KEY = "unknown-key"  # the verification method is none of the issuer's keys
    ISSUER_MISMATCH = "issuer-mismatch"  # signed by a key that does not belong to the issuer
    SIGNATURE_MISMATCH = "signature-mismatch"  # altered after signing, or signed by another key
    KEY_REVOKED = "key-revoked"  # signed after the key was reported compromised
    KEY_RETIRED = "key-retired"  # signed by a rotated key after it was replaced
    NOT_YET_VALID = "not-yet-valid"  # validFrom in the future
    EXPIRED = "expired"  # validUntil in the past
    REVOKED = "revoked"  # the issuer's status list marks it revoked
    STATUS_UNKNOWN = "status-unknown"  # it has a status list that was not (or cannot be) read
    NOT_PUBLISHED = "not-published"  # signed with our key, but never published by us (backdated)


class Unchecked(StrEnum):
    """What a verifier could not check (said plainly, never silently skipped)."""

    PUBLICATION = "publication"  # no record of the issuer's published documents at hand
    STATUS = "status"  # the document's status list was not read


_VERDICT: dict[Reason, Verdict] = {Reason.EXPIRED: Verdict.EXPIRED, Reason.REVOKED: Verdict.REVOKED}


@dataclass(frozen=True)
class Verification:
    """The verdict, its reasons, and what the document says (only when the proof held)."""

    reasons: tuple[Reason, ...] = ()
    detail: str = ""
    key: str | None = None  # the verification method that signed it
    summary: dict[str, Any] = field(default_factory=dict)
    unchecked: tuple[Unchecked, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """``valid`` with no reasons; ``revoked``/``expired`` when that is all that is wrong."""
        if not self.reasons:
            return Verdict.VALID
        verdicts = {_VERDICT.get(r, Verdict.INVALID) for r in self.reasons}
        if Verdict.INVALID in verdicts:
            return Verdict.INVALID
        return Verdict.REVOKED if Verdict.REVOKED in verdicts else Verdict.EXPIRED

    @property
    def valid(self) -> bool:
        """Whether the proof holds and nothing else is wrong."""
        return not self.reasons

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "verdict": self.verdict.value,
            "reasons": [r.value for r in self.reasons],
            "detail": self.detail,
            "key": self.key,
            "document": self.summary,
            "unchecked": [u.value for u in self.unchecked],
        }
