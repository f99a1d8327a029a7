"""Errors of the sources, rooted at :class:`haechi.errors.HaechiError`.

They live here rather than in :mod:`haechi.errors` so that the sources package is one piece;
the tree below hangs under ``HaechiError`` like the rest::

    HaechiError
    └── SourceError            a source that cannot be opened or read at all
        ├── UnknownSource      a target whose kind cannot be detected, or an unknown kind name
        ├── SourceFormatError  an export or list file that is not in the format it claims
        ├── UnsafePath         a path in an export that points outside the export folder
        └── FetchError         one fetch that did not produce a usable answer
            ├── FetchRefused   the safety policy forbids it; nothing was sent
            └── FetchFailed    network error, timeout, or a response over the caps

Per-item problems (a 404, a refused redirect, a file missing from an export) do not end a
scan: sources turn them into :class:`~haechi.sources.records.MediaFailure` records. These
exceptions are raised only for what stops a whole source, and by the fetcher to its callers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from haechi.errors import HaechiError
from haechi.sources.records import FailureReason

if TYPE_CHECKING:
    from haechi.sources.records import FetchRecord


class SourceError(HaechiError):
    """A source that cannot be opened or read at all."""


class UnknownSource(SourceError):
    """A target whose kind cannot be detected, or a kind name that does not exist."""

    exit_code = 2


class SourceFormatError(SourceError):
    """An export or list file that is not in the format it claims to be."""


class UnsafePath(SourceError):
    """A path named by an export (or a symlink) that leads outside the folder being read."""


class FetchError(SourceError):
    """One fetch that did not produce a usable answer; ``reason`` says which kind of failure."""

    def __init__(
        self, message: str, reason: FailureReason, record: FetchRecord | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.record = record


class FetchRefused(FetchError):
    """The safety policy forbids this URL or address; no traffic was sent to it."""

    def __init__(self, message: str, record: FetchRecord | None = None) -> None:
        super().__init__(message, FailureReason.REFUSED, record)


class FetchFailed(FetchError):
    """A network error, a timeout, or a response over the size caps."""
