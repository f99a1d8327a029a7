"""Evidence of what did not come from a web page: a chat message with its media, or a file.

A Telegram room, a Discord channel or a chat log is where a re-upload was *posted*, and the
export (or the live account) is often the only copy an organisation will ever have of that
message: rooms vanish once reported. So a chat hit is sealed at discovery like a web capture:
one WARC 1.1 file holds

- a ``resource`` record of the message as JSON (chat, ids, sender, date, text, forward origin,
  and the export's own record of it), at the message's link;
- a ``resource`` record of the media bytes that matched;
- a ``metadata`` record with the facts: the export file by name, size and SHA-256 (the file
  itself holds other people's messages and stays with the analyst), the media's SHA-256, and
  the caller's context (hit, bank entry, distance, scan).

Its manifest has the shape of a web capture's (``id``, ``url``, ``started``, ``context``,
``artifacts``, ``warc_records``), with ``kind`` saying what it is, so the same locker seals it,
the same log and checkpoints hold it, and the same bundles carry it and ``verify`` checks it.

A local file (a folder hit) is sealed the same way when the analyst asks for it: its bytes,
its path and its timestamps.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haechi.evidence.capture import new_capture_id
from haechi.evidence.log import canonical_json, utc_now
from haechi.evidence.model import CAPTURE_FORMAT, ScreenshotStatus
from haechi.evidence.warc import CaptureWarc
from haechi.sources.sniff import sniff

MESSAGE = "message"
FILE = "file"
MESSAGE_FORMAT = "haechi-message/v1"


@dataclass(frozen=True)
class MessageRecord:
    """A chat message as evidence needs it; ``raw`` is the export's own record, as parsed."""

    source: str  # the source kind: telegram-export, telegram-live, discord-export, chat-csv
    link: str  # where a person goes to see it: t.me, discord.com, or the chat log's line
    chat: str | None = None
    chat_id: str | None = None
    message_id: str | None = None
    sender: str | None = None
    sender_id: str | None = None
    date: datetime | None = None
    text: str | None = None
    forwarded_from: str | None = None
    raw: Mapping[str, Any] | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        """The versioned JSON form sealed in the WARC."""
        return {
            "format": MESSAGE_FORMAT,
            "source": self.source,
            "link": self.link,
            "chat": self.chat,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "sender": self.sender,
            "sender_id": self.sender_id,
            "date": self.date.astimezone(UTC).isoformat() if self.date else None,
            "text": self.text,
            "forwarded_from": self.forwarded_from,
            "export_record": dict(self.raw) if self.raw is not None else None,
        }


@dataclass(frozen=True)
class ExportFile:
    """The export a message was read from, named by its SHA-256 (the analyst's path stays)."""

    kind: str
    name: str
    sha256: str
    size: int

    @classmethod
    def of(cls, kind: str, path: Path) -> ExportFile:
        """Hash an export file (streamed, any size)."""
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        return cls(kind, path.name, digest.hexdigest(), size)


@dataclass(frozen=True)
class MediaCopy:
    """The media bytes that matched, and where they were (a name in the export, or a URL)."""

    data: bytes = field(repr=False)
    name: str
    url: str | None = None

    @property
    def media_type(self) -> str:
        """The type the bytes themselves declare (never the file name's)."""
        return sniff(self.data[:4096]) or "application/octet-stream"


@dataclass(frozen=True)
class ResourceEvidence:
    """The bytes of one message or file capture, not yet sealed: the WARC and the manifest."""

    id: str
    kind: str
    warc: bytes = field(repr=False)
    manifest: Mapping[str, Any] = field(repr=False)


def _media_json(media: MediaCopy) -> dict[str, Any]:
    return {
        "name": media.name,
        "url": media.url,
        "bytes": len(media.data),
        "sha256": hashlib.sha256(media.data).hexdigest(),
        "media_type": media.media_type,
    }


def _package(
    capture_id: str,
    kind: str,
    url: str,
    started: str,
    warc: CaptureWarc,
    facts: dict[str, Any],
    first_record: str,
) -> ResourceEvidence:
    facts = {
        "format": CAPTURE_FORMAT,
        "kind": kind,
        "id": capture_id,
        "url": url,
        "started": started,
        "finished": utc_now(),
        **facts,
        "screenshot": {
            "status": ScreenshotStatus.NOT_TAKEN.value,
            "reason": f"a {kind} has no page to shoot",
        },
    }
    warc.add_metadata(url, facts, facts["finished"], first_record)
    warc_bytes = warc.getvalue()
    manifest = {
        **facts,
        "artifacts": {"warc": hashlib.sha256(warc_bytes).hexdigest(), "screenshot": None},
        "warc_records": [{"id": r.record_id, "type": r.type, "uri": r.uri} for r in warc.records],
    }
    return ResourceEvidence(capture_id, kind, warc_bytes, manifest)


def message_evidence(
    message: MessageRecord,
    media: MediaCopy | None,
    export: ExportFile | None,
    context: Mapping[str, Any],
    *,
    capture_id: str | None = None,
) -> ResourceEvidence:
    """Package a message, its media and its export's digest as one capture (nothing stored)."""
    capture_id = capture_id or new_capture_id()
    started = utc_now()
    warc = CaptureWarc(capture_id, started)
    record = message.as_json()
    first = warc.add_resource(message.link, canonical_json(record), "application/json", started)
    if media is not None:
        uri = media.url or f"urn:haechi:media:{message.link}#{media.name}"
        warc.add_resource(uri, media.data, media.media_type, started)
    facts = {
        "context": dict(context),
        "message": record,
        "export": (
            {"kind": export.kind, "name": export.name, "sha256": export.sha256,
             "bytes": export.size}
            if export is not None
            else None
        ),
        "media_copy": _media_json(media) if media is not None else None,
    }  # fmt: skip
    return _package(capture_id, MESSAGE, message.link, started, warc, facts, first)


def _stamp(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def file_evidence(
    path: Path, data: bytes, context: Mapping[str, Any], *, capture_id: str | None = None
) -> ResourceEvidence:
    """Package a local file's bytes, path and timestamps as one capture (nothing stored)."""
    info = os.stat(path)
    capture_id = capture_id or new_capture_id()
    started = utc_now()
    url = path.absolute().as_uri()
    warc = CaptureWarc(capture_id, started)
    media = MediaCopy(data, path.name, url)
    first = warc.add_resource(url, data, media.media_type, started)
    facts = {
        "context": dict(context),
        "file": {
            "path": str(path.absolute()),
            **_media_json(media),
            "size_on_disk": info.st_size,
            "modified": _stamp(info.st_mtime),
            "changed": _stamp(info.st_ctime),
            "accessed": _stamp(info.st_atime),
            "created": _stamp(getattr(info, "st_birthtime", None)),
        },
    }
    return _package(capture_id, FILE, url, started, warc, facts, first)
