"""Errors of victims' intake; each says what to do, and the web maps each to one status."""

from __future__ import annotations

from haechi.errors import HaechiError


class IntakeError(HaechiError):
    """A submission or request the intake cannot accept as given (400)."""

    status = 400


class IntakeRefused(IntakeError):
    """No valid proof-of-work or one-time link, or an intake link already used (403)."""

    status = 403


class IntakeUnknown(IntakeError):
    """A case number and recovery phrase that do not open a case, or an expired page (401)."""

    status = 401


class IntakeThrottled(IntakeError):
    """Too many attempts from one place, or too many wrong phrases for one case (429)."""

    status = 429
