"""Errors of the tracking views: something asked for that does not exist.

::

    HaechiError
    └── TrackingError
        └── NotTracked        no such bank entry or case
"""

from __future__ import annotations

from haechi.errors import HaechiError


class TrackingError(HaechiError):
    """A timeline or link view that cannot be made as asked."""

    exit_code = 2


class NotTracked(TrackingError):
    """No bank entry or case by that id or reference."""
