"""Errors of acting on hits (cases, reviews, platforms, notices, re-checks, police reports).

They hang under :class:`haechi.errors.HaechiError` like every other error; each message says
what to do next::

    HaechiError
    └── ActionError             anything the case, review or notice workflow refuses
        ├── CaseError           an unknown case, a reference that is not pseudonymous
        ├── ReviewError         an unknown hit, or a decision the queue refuses
        ├── PlatformError       an unknown platform, a domain claimed twice
        │   └── PlatformFileError   a directory file that cannot be read; names the entry
        ├── NoticeError         an unknown notice, nothing to draft, a template missing
        │   ├── IllegalTransition   a status change the workflow does not allow
        │   └── DeliveryError   the mail server refused or could not be reached
        └── ReportError         a police report package that cannot be made
"""

from __future__ import annotations

from haechi.errors import HaechiError


class ActionError(HaechiError):
    """Anything the case, review or notice workflow refuses or cannot do."""


class CaseError(ActionError):
    """An unknown case, or a case reference that could be a person's name."""


class ReviewError(ActionError):
    """An unknown hit, or a review decision that would contradict a notice already sent."""


class PlatformError(ActionError):
    """An unknown platform, or a domain that two platforms claim."""


class PlatformFileError(PlatformError):
    """A platform directory file that cannot be read; the message names the entry."""

    exit_code = 2


class NoticeError(ActionError):
    """An unknown notice, nothing to draft, or a notice that cannot be rendered."""


class IllegalTransition(NoticeError):
    """A notice status change the workflow does not allow (e.g. sending an unapproved draft)."""


class DeliveryError(NoticeError):
    """The mail server could not be reached or refused the notice; nothing was marked sent."""


class ReportError(ActionError):
    """A police report package that cannot be made (no hits, no key for the bundle, …)."""
