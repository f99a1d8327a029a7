"""The ``telegram-export`` source: a Telegram Desktop "Export chat history" folder (JSON).

Telegram is where most re-uploads circulate, and rooms vanish as soon as they are reported, so
volunteers keep exports. Telegram Desktop writes ``result.json`` beside media folders
(``photos/``, ``video_files/``, ``files/``...), either for one chat (``name``, ``type``, ``id``,
``messages``) or for the whole account (``chats.list[]``, ``left_chats.list[]``), with paths
relative to the export folder.

What this keeps for each media item, because evidence needs it: the chat, the message id, the
poster (``from``, ``from_id``), the time in UTC (from ``date_unixtime``; the ``date`` field is
the exporting computer's local time and is not trusted), the forward origin, and the album.
Telegram Desktop writes each album item as its own message; consecutive media messages with the
same sender and the same second are taken as one album and share a ``group_id``.

Entries that say the file was not included, files missing from the folder and paths that lead
outside it become failure records, never crashes and never reads outside the export.
``result.json`` is read within size and nesting limits, and a message that breaks the reader is
one failed item.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haechi.sources.base import LocalSource
from haechi.sources.errors import SourceError, SourceFormatError, UnsafePath
from haechi.sources.jsondoc import load_json
from haechi.sources.paths import resolve_inside
from haechi.sources.records import (
    FailureReason,
    Item,
    Media,
    MediaFailure,
    MediaSkipped,
    SkipReason,
    error_text,
)
from haechi.sources.sniff import sniff_file

RESULT_FILE = "result.json"
# Chat types whose messages have t.me/c/<id>/<message> links for members.
_LINKABLE = frozenset(
    {"private_supergroup", "public_supergroup", "private_channel", "public_channel"}
)
_VIDEO_MEDIA_TYPES = frozenset({"video_file", "animation", "video_message"})


def load_export(path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """The export folder and its chats, from the folder or its ``result.json``."""
    result = path / RESULT_FILE if path.is_dir() else path
    if not result.is_file():
        raise SourceError(f"{path}: no {RESULT_FILE}; export the chat as JSON in Telegram Desktop")
    doc = load_json(result)
    if not isinstance(doc, dict):
        raise SourceFormatError(f"{result}: not a Telegram export (top level is not an object)")
    if isinstance(doc.get("messages"), list):
        return result.parent, [doc]
    chats: list[dict[str, Any]] = []
    for key in ("chats", "left_chats"):
        section = doc.get(key)
        if isinstance(section, dict) and isinstance(section.get("list"), list):
            chats.extend(c for c in section["list"] if isinstance(c, dict))
    if not chats and not isinstance(doc.get("chats"), dict):
        raise SourceFormatError(f"{result}: not a Telegram export (no messages, no chats.list)")
    return result.parent, chats


def message_link(chat_type: str, chat_id: object, message_id: object) -> str:
    """A link to the message: ``t.me/c/...`` where Telegram has one, else a stable local name."""
    if chat_type in _LINKABLE:
        return f"https://t.me/c/{chat_id}/{message_id}"
    return f"telegram-export:{chat_id}/{message_id}"


def _posted_at(message: dict[str, Any]) -> datetime | None:
    raw = message.get("date_unixtime")
    try:
        return datetime.fromtimestamp(int(raw), UTC) if raw is not None else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(value)


def _media_entry(message: dict[str, Any]) -> tuple[str, str | None] | None:
    """The (path-or-placeholder, export mime type) of a message's image or video, if it has one."""
    photo = message.get("photo")
    if isinstance(photo, str):
        return photo, "image/jpeg"
    file = message.get("file")
    if not isinstance(file, str):
        return None
    mime = message.get("mime_type") if isinstance(message.get("mime_type"), str) else None
    media_type = message.get("media_type")
    if media_type in _VIDEO_MEDIA_TYPES or (mime and mime.startswith(("image/", "video/"))):
        return file, mime
    return file, None  # a document, voice note, sticker...: seen but not media


def _albums(chat_id: object, messages: list[Any]) -> dict[int, str]:
    """``group_id`` for each message id that belongs to an album of two or more items."""
    groups: dict[int, str] = {}
    run: list[int] = []
    key: tuple[object, object] | None = None

    def close() -> None:
        if len(run) > 1:
            for mid in run:
                groups[mid] = f"{chat_id}:{run[0]}"

    for message in messages:
        is_media = (
            isinstance(message, dict)
            and message.get("type") == "message"
            and isinstance(message.get("id"), int)
            and _media_entry(message) is not None
        )
        this: tuple[object, object] | None = None
        if is_media and message.get("date_unixtime") is not None:
            this = (message.get("date_unixtime"), message.get("from_id"))
        if this is not None and this == key:
            run.append(message["id"])
            continue
        close()
        run = [message["id"]] if is_media else []
        key = this
    close()
    return groups


class TelegramExportSource(LocalSource):
    """Every photo and video in a Telegram Desktop JSON export (one chat or the whole account)."""

    kind = "telegram-export"

    def __init__(self, path: Path) -> None:
        self.path = path

    def iter_items(self) -> Iterator[Item]:
        root, chats = load_export(self.path)
        for chat in chats:
            yield from self._chat(root, chat)

    def _chat(self, root: Path, chat: dict[str, Any]) -> Iterator[Item]:
        chat_id = chat.get("id")
        chat_type = str(chat.get("type", ""))
        name = _text(chat.get("name")) or f"chat {chat_id}"
        messages = chat.get("messages")
        if not isinstance(messages, list):
            return
        try:
            albums = _albums(chat_id, messages)
        except Exception:  # a hostile export spoils album grouping only, never the media
            albums = {}
        for number, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("type") != "message":
                continue
            try:
                item = self._message(root, chat_id, chat_type, name, albums, message)
            except Exception as exc:  # one message ends with a recorded failure; the rest go on
                item = MediaFailure(
                    self.kind, f"telegram-export:{_text(chat_id)}#message={number}",
                    FailureReason.ERROR, error_text(exc), container=name,
                )  # fmt: skip
            if item is not None:
                yield item

    def _message(
        self,
        root: Path,
        chat_id: object,
        chat_type: str,
        name: str,
        albums: dict[int, str],
        message: dict[str, Any],
    ) -> Item | None:
        """The record of one message's photo or video; ``None`` for a message without one."""
        entry = _media_entry(message)
        if entry is None:
            return None
        raw_path, mime = entry
        mid = message.get("id")
        link = message_link(chat_type, chat_id, mid)
        if not isinstance(mid, int):
            return MediaFailure(
                self.kind, link, FailureReason.BAD_RECORD, "message without an integer id",
                container=name,
            )  # fmt: skip
        common: dict[str, Any] = {"container": name, "message_id": str(mid)}
        if raw_path.startswith("(") and raw_path.endswith(")"):
            return MediaFailure(
                self.kind, link, FailureReason.NOT_EXPORTED, raw_path.strip("()"), **common
            )
        try:
            path = resolve_inside(root, raw_path)
        except UnsafePath as exc:
            return MediaFailure(self.kind, link, FailureReason.UNSAFE_PATH, str(exc), **common)
        if not path.is_file():
            return MediaFailure(
                self.kind, link, FailureReason.MISSING_FILE,
                f"{raw_path} is not in the export folder", path=path, **common,
            )  # fmt: skip
        sniffed = sniff_file(path)
        if mime is None and sniffed is None:
            return MediaSkipped(
                self.kind, link, SkipReason.NOT_MEDIA,
                f"{raw_path} is not an image or video", path=path, message_id=str(mid),
            )  # fmt: skip
        return Media(
            source_kind=self.kind,
            found_at=link,
            path=path,
            container=name,
            container_id=_text(chat_id),
            poster=_text(message.get("from")),
            poster_id=_text(message.get("from_id")),
            posted_at=_posted_at(message),
            message_id=str(mid),
            group_id=albums.get(mid),
            forwarded_from=_text(message.get("forwarded_from")),
            forwarded_from_id=_text(message.get("forwarded_from_id")),
            filename=_text(message.get("file_name")) or path.name,
            media_type=sniffed or mime,
        )
