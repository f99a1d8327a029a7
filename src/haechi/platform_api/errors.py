"""Errors of the platform API, each with the HTTP status a platform sees::

HaechiError
└── PlatformApiError       400: a request the API cannot answer as asked
    ├── KeyMissing         401: no key, or a key that is not ours
    ├── KeyRefused         403: a revoked key, or a key without the scope
    ├── OverLimit          429: over the key's rate or daily quota (with Retry-After)
    ├── BadSignal          400: bad hex, wrong length, unknown signal type
    ├── TooLarge           413: a batch over the cap, an upload over the size or pixel cap
    ├── NotShared          404: a match id that no shared bank holds
    └── IndexNotReady      503: the matching index is still being built
"""

from __future__ import annotations

from haechi.errors import HaechiError


class PlatformApiError(HaechiError):
    """A platform-API request that cannot be answered as asked."""

    status = 400
    exit_code = 2

    def headers(self) -> dict[str, str]:
        """Headers the answer carries (``Retry-After``, ``WWW-Authenticate``)."""
        return {}


class KeyMissing(PlatformApiError):
    """No API key, or one that is not a key of this server."""

    status = 401

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="haechi"'}


class KeyRefused(PlatformApiError):
    """A revoked key, or one whose scopes do not cover the call."""

    status = 403


class OverLimit(PlatformApiError):
    """Over the key's rate limit or daily quota; try again after ``retry_after`` seconds."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class BadSignal(PlatformApiError):
    """A hash that is not valid hex of the right length, or an unknown signal type."""


class TooLarge(PlatformApiError):
    """A batch, an upload or an image beyond the API's caps."""

    status = 413


class NotShared(PlatformApiError):
    """A match id that no shared bank holds (or that was withdrawn)."""

    status = 404


class IndexNotReady(PlatformApiError):
    """The matching index of shared banks is being built; retry shortly."""

    status = 503

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "5"}


class KeyAdminError(PlatformApiError):
    """An admin's request about keys or shares that cannot be done (unknown id, bad option)."""
