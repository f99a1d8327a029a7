"""The records every source yields: one media item found, or why one could not be had.

Sources differ (a crawled page, a Telegram export, a Discord dump, a live account), but the
scan pipeline and the evidence step must not care which one produced an item. So every source
yields the same three frozen records:

- :class:`Media`: the bytes (or, for big local files, a path), where they were found, who
  posted them and when, and for anything fetched over HTTP the :class:`FetchRecord` the
  evidence step preserves;
- :class:`MediaFailure`: an item the source knows of but could not get, with a typed reason
  (refused by the safety policy, 404, timeout, file not included in an export, ...);
- :class:`MediaSkipped`: an item deliberately not yielded (unchanged since the last scan, not
  an image or video), so that "nothing new" is a recorded outcome and not silence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from haechi.errors import MediaTooLarge


class FailureReason(StrEnum):
    """Why a known item could not be had; stable short names for the database and reports."""

    REFUSED = "refused"  # the safety policy forbids the address (private IP, bad scheme, ...)
    HTTP_STATUS = "http-status"  # the server answered, but not with 200
    TIMEOUT = "timeout"
    NETWORK = "network"  # DNS failure, connection refused or reset, protocol error
    TOO_LARGE = "too-large"  # over the byte cap, on the wire or once decompressed
    NOT_MEDIA = "not-media"  # expected an image or video, got something else
    NOT_EXPORTED = "not-exported"  # the export says the file was not included
    MISSING_FILE = "missing-file"  # the export names a file that is not there
    UNSAFE_PATH = "unsafe-path"  # a path that escapes the export or source folder
    BAD_RECORD = "bad-record"  # an export entry that does not have the expected shape
    DOWNLOAD = "download"  # a live download that failed
    ERROR = "error"  # an unexpected error on this item (hostile input or a bug): type and reason


MAX_REASON_CHARS = 300


def error_text(exc: BaseException) -> str:
    """An unexpected exception as a short recorded reason: its type, then its message.

    Used wherever one item's failure is caught so that the scan goes on: the type says what
    kind of bug or hostile input it was, the message is cut so a hostile page cannot fill
    the database through it.
    """
    message = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 1] + "…"


class SkipReason(StrEnum):
    """Why an item was seen but not yielded as media."""

    NOT_MODIFIED = "not-modified"  # a conditional request answered 304: nothing new
    NOT_MEDIA = "not-media"  # a file or attachment that is not an image or video
    NOT_FILE = "not-file"  # a FIFO, socket or device in a folder: never opened
    LIMIT = "limit"  # a crawl limit (pages, media, bytes, time) was reached


@dataclass(frozen=True)
class RedirectHop:
    """One redirect answer on the way to the final URL."""

    url: str
    status: int
    location: str


@dataclass(frozen=True)
class FetchRecord:
    """What happened on the wire for one fetch: what evidence needs to show where bytes came from.

    ``headers`` keeps the final response's headers in the order received, repeated names
    included. ``ip`` is the address the connection actually went to (after the safety check),
    not merely what a later DNS lookup would say.
    """

    url: str
    status: int
    final_url: str
    fetched_at: datetime
    redirects: tuple[RedirectHop, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    ip: str | None = None
    size: int = 0

    def header(self, name: str) -> str | None:
        """The first value of a response header, case-insensitively, or ``None``."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; naive values are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Media:
    """One image or video a source found, with everything known about where it was found.

    Exactly one of ``data`` and ``path`` is set: fetched media travel as bytes, local files
    (folders, exports) as a path so that a 2 GB video is not read into memory by the source.

    ``found_at`` is where a person would go to see it: the page URL for the web, the message
    link for chats, the file URI for folders. ``url`` is where the bytes came from when they
    were fetched. ``container`` names the page, room or channel; ``group_id`` ties together the
    items of one album.
    """

    source_kind: str
    found_at: str
    data: bytes | None = field(default=None, repr=False)
    path: Path | None = None
    url: str | None = None
    container: str | None = None
    container_id: str | None = None
    poster: str | None = None
    poster_id: str | None = None
    posted_at: datetime | None = None
    message_id: str | None = None
    group_id: str | None = None
    forwarded_from: str | None = None
    forwarded_from_id: str | None = None  # the origin's id where the source gives it
    filename: str | None = None
    media_type: str | None = None
    note: str | None = None
    fetch: FetchRecord | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.path is None):
            raise ValueError("a Media record holds either data or a path, exactly one")
        if self.posted_at is not None and self.posted_at.utcoffset() is None:
            raise ValueError("posted_at must be timezone-aware (UTC)")

    @property
    def size(self) -> int:
        """Size in bytes (a ``stat`` for path-backed media)."""
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size

    def read(self, max_bytes: int | None = None) -> bytes:
        """The media bytes; raise :class:`~haechi.errors.MediaTooLarge` beyond ``max_bytes``."""
        if max_bytes is not None and self.size > max_bytes:
            raise MediaTooLarge(f"{self.found_at}: {self.size} bytes is over {max_bytes}")
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


@dataclass(frozen=True)
class MediaFailure:
    """An item the source knows of but could not get, and why."""

    source_kind: str
    found_at: str
    reason: FailureReason
    detail: str
    url: str | None = None
    path: Path | None = None
    container: str | None = None
    message_id: str | None = None
    fetch: FetchRecord | None = None


@dataclass(frozen=True)
class MediaSkipped:
    """An item seen but deliberately not yielded as media, and why."""

    source_kind: str
    found_at: str
    reason: SkipReason
    detail: str = ""
    url: str | None = None
    path: Path | None = None
    message_id: str | None = None
    fetch: FetchRecord | None = None


Item = Media | MediaFailure | MediaSkipped
"""What a source yields."""
