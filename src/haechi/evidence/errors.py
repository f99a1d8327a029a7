"""Errors of the evidence locker, rooted at :class:`haechi.errors.HaechiError`.

They live here rather than in :mod:`haechi.errors` so that the evidence package is one piece;
the tree hangs under ``HaechiError`` like the rest::

    HaechiError
    └── EvidenceError           anything the evidence locker refuses or cannot do
        ├── CaptureFailed       nothing could be preserved for a URL (refused, unreachable)
        ├── ArtifactMissing     a stored object is gone (destroyed, or never written)
        ├── ArtifactCorrupted   a stored object whose bytes no longer match its SHA-256
        ├── LogCorrupted        the evidence log is damaged before its last line
        ├── SigningKeyError     a key file that cannot be read, written or used
        ├── TimestampError      a time-stamping authority that did not give a usable token
        ├── UnknownCapture      a capture id the log does not know
        └── BundleError         a bundle that cannot be written or opened at all

Verification never raises for a failed check: :mod:`haechi.evidence.verify` reports each check
as verified, failed or not checked. These exceptions are for what stops an operation.
"""

from __future__ import annotations

from haechi.errors import HaechiError


class EvidenceError(HaechiError):
    """Anything the evidence locker refuses or cannot do."""


class CaptureFailed(EvidenceError):
    """Nothing could be preserved for a URL: the fetch was refused or got no answer."""


class ArtifactMissing(EvidenceError):
    """A stored object that is not there: destroyed under retention rules, or never written."""


class ArtifactCorrupted(EvidenceError):
    """A stored object whose bytes no longer hash to its name: the disk or someone changed it."""


class LogCorrupted(EvidenceError):
    """The evidence log is damaged somewhere other than a torn last line; nothing is appended."""


class SigningKeyError(EvidenceError):
    """A signing key file that cannot be read, written or used."""

    exit_code = 2


class TimestampError(EvidenceError):
    """A time-stamping authority (RFC 3161) that did not answer with a usable token."""


class UnknownCapture(EvidenceError):
    """A capture id that the evidence log does not know."""

    exit_code = 2


class BundleError(EvidenceError):
    """A bundle that cannot be written, or a file that is not a bundle at all."""
