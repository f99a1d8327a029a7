"""The chat message behind a hit, read back from its export so it can be sealed.

Sources hand the pipeline media, not messages, and a hit keeps only the message's link
(``found_in``) and the scan its target (the export's path). So the evidence step reads the
export again, once per scan and export, indexes its messages by the same link the source gave
them, and seals the export's own record of the message (text included) with the export file's
SHA-256. The same works after a crash: a hit still pending is sealed from its scan's export.

When the export cannot be read any more, or does not hold the message (moved, edited), or the
source keeps no export at all (live Telegram), the record is built from what the hit itself
knows, and says why.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from haechi.errors import HaechiError
from haechi.evidence.resource import ExportFile, MessageRecord
from haechi.scan.model import Hit
from haechi.sources.chat_csv import ChatCsvSource
from haechi.sources.telegram_export import RESULT_FILE, load_export, message_link


@dataclass
class _Export:
    file: ExportFile | None
    messages: dict[str, MessageRecord] = field(default_factory=dict)
    problem: str | None = None


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def _telegram_text(value: object) -> str | None:
    """Telegram Desktop writes text as a string or as a list of strings and entity objects."""
    if isinstance(value, list):
        parts = [p if isinstance(p, str) else str(p.get("text", "")) for p in value if p]
        return "".join(parts)
    return _s(value)


def _unix(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)), UTC) if value is not None else None
    except (ValueError, OverflowError, OSError):
        return None


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _telegram(path: Path) -> _Export:
    root, chats = load_export(path)
    export = _Export(ExportFile.of("telegram-export", root / RESULT_FILE))
    for chat in chats:
        messages = chat.get("messages")
        if not isinstance(messages, list):
            continue
        chat_id, chat_type = chat.get("id"), str(chat.get("type", ""))
        for m in messages:
            if not isinstance(m, dict) or not isinstance(m.get("id"), int):
                continue
            if "photo" not in m and "file" not in m:
                continue  # only messages with media can be hits
            link = message_link(chat_type, chat_id, m["id"])
            export.messages[link] = MessageRecord(
                "telegram-export", link, _s(chat.get("name")), _s(chat_id), str(m["id"]),
                _s(m.get("from")), _s(m.get("from_id")), _unix(m.get("date_unixtime")),
                _telegram_text(m.get("text")), _s(m.get("forwarded_from")), m,
            )  # fmt: skip
    return export


def _discord(path: Path) -> _Export:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError("not a DiscordChatExporter export")
    export = _Export(ExportFile.of("discord-export", path))
    guild, channel = doc.get("guild") or {}, doc.get("channel") or {}
    guild_id, channel_id = _s(guild.get("id")) or "0", _s(channel.get("id")) or "0"
    place = "@me" if guild_id == "0" else guild_id
    chat = f"{guild.get('name', '')} / #{channel.get('name', '')}".strip(" /") or None
    for m in doc.get("messages") or []:
        if not isinstance(m, dict):
            continue
        link = f"https://discord.com/channels/{place}/{channel_id}/{_s(m.get('id'))}"
        author = m.get("author") if isinstance(m.get("author"), dict) else {}
        assert isinstance(author, dict)
        reference = m.get("reference") if isinstance(m.get("reference"), dict) else None
        export.messages[link] = MessageRecord(
            "discord-export", link, chat, channel_id, _s(m.get("id")), _s(author.get("name")),
            _s(author.get("id")), _iso(m.get("timestamp")), _s(m.get("content")),
            _s(reference.get("messageId")) if reference else None, m,
        )  # fmt: skip
    return export


def _chat_csv(path: Path) -> _Export:
    export = _Export(ExportFile.of("chat-csv", path))
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig", errors="replace"))))
    header = [h.strip() for h in rows[0]] if rows else []
    for target in ChatCsvSource(path).targets():
        context = target.context
        link = context.found_at or ""
        line = int(link.rsplit("=", 1)[-1]) if "#line=" in link else 0
        raw = dict(zip(header, rows[line - 1], strict=False)) if 1 < line <= len(rows) else None
        export.messages[link] = MessageRecord(
            "chat-csv", link, context.container, None, context.message_id, context.poster,
            None, context.posted_at, context.note, None, raw,
        )  # fmt: skip
    return export


_READERS = {"telegram-export": _telegram, "discord-export": _discord, "chat-csv": _chat_csv}


def _from_hit(hit: Hit) -> MessageRecord:
    """What the hit itself knows of its message (live Telegram, or an export gone since)."""
    link = hit.found_in or hit.location
    tail = link.rsplit("/", 1)[-1]
    return MessageRecord(
        hit.source_kind, link, hit.container, None, tail if tail.isdigit() else None,
        hit.poster, None, hit.posted_at, None, hit.forwarded_from,
    )  # fmt: skip


class ExportReader:
    """Reads each export once and finds the message of each hit in it."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], _Export] = {}

    def _load(self, kind: str, target: str) -> _Export:
        key = (kind, target)
        if key not in self._cache:
            reader = _READERS.get(kind)
            if reader is None:
                self._cache[key] = _Export(None, problem=f"a {kind} scan keeps no export file")
            else:
                try:
                    self._cache[key] = reader(Path(target))
                except (HaechiError, OSError, ValueError, KeyError, RecursionError) as exc:
                    problem = f"the export can no longer be read ({type(exc).__name__})"
                    self._cache[key] = _Export(None, problem=problem)
        return self._cache[key]

    def message(
        self, hit: Hit, scan_kind: str, scan_target: str
    ) -> tuple[MessageRecord, ExportFile | None, str | None]:
        """The hit's message, the export it was read from, and why not from the export."""
        export = self._load(scan_kind, scan_target)
        found = export.messages.get(hit.found_in or hit.location)
        if found is not None:
            return _merge(found, hit), export.file, None
        problem = export.problem or "the export no longer holds this message"
        return _from_hit(hit), None, problem

    def clear(self) -> None:
        """Forget loaded exports (they can be large)."""
        self._cache.clear()


def _merge(record: MessageRecord, hit: Hit) -> MessageRecord:
    """The export's record, with the time the scan settled on (chat logs carry no zone)."""
    if hit.posted_at is None or record.date == hit.posted_at:
        return record
    return replace(record, date=hit.posted_at)
