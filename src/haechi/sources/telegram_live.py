"""The ``telegram-live`` source: new media in Telegram rooms, read with an analyst's own account.

Exports are snapshots; rooms that trade re-uploads post every hour and disappear when
reported. This source reads the rooms an analyst's account has joined through Telegram's
client API (Telethon), fetching only messages newer than the last run: the caller passes the
highest message id seen per room in (``since``) and saves :attr:`TelegramLiveSource.last_seen`
afterwards. Photos and documents whose MIME type or attributes say image or video are
downloaded; everything else is recorded as skipped.

The mapping from a Telethon message to a :class:`~haechi.sources.records.Media` record is the
pure function :func:`media_from_message`, so it is tested on real ``telethon.tl.types`` objects
without a network. The API id, hash and session file come from a config object the caller
builds from settings; none of them is ever logged (the hash is kept out of ``repr``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from telethon.tl import types  # type: ignore[import-untyped]

from haechi.sources.base import Source
from haechi.sources.errors import SourceError
from haechi.sources.records import (
    FailureReason,
    Media,
    MediaFailure,
    MediaSkipped,
    SkipReason,
    error_text,
    utc,
)


@dataclass(frozen=True)
class TelegramLiveConfig:
    """How to reach Telegram: the analyst's API credentials, session file, and rooms to read.

    ``chats`` are usernames (``"some_room"``), ``t.me`` links or numeric ids. The session file
    is created by logging in once interactively; it is a credential and lives outside the repo.
    """

    api_id: int
    api_hash: str = field(repr=False)
    session_path: Path
    chats: tuple[str, ...] = ()
    max_file_bytes: int = 256 * 1024 * 1024
    limit_per_chat: int | None = None


@dataclass(frozen=True)
class ChatInfo:
    """The room a message was read from."""

    id: int
    title: str
    username: str | None = None
    is_channel: bool = False  # a broadcast channel or a supergroup: has t.me/c links

    def link(self, message_id: int) -> str:
        """The message's ``t.me`` link (public or members-only), or a stable local name."""
        if self.username:
            return f"https://t.me/{self.username}/{message_id}"
        if self.is_channel:
            return f"https://t.me/c/{self.id}/{message_id}"
        return f"telegram:{self.id}/{message_id}"


def chat_info(entity: Any) -> ChatInfo:
    """A :class:`ChatInfo` from a Telethon ``Channel``, ``Chat`` or ``User`` entity."""
    title = getattr(entity, "title", None)
    if title is None:
        names = [getattr(entity, "first_name", None), getattr(entity, "last_name", None)]
        title = " ".join(n for n in names if n) or str(entity.id)
    return ChatInfo(
        id=int(entity.id),
        title=str(title),
        username=getattr(entity, "username", None),
        is_channel=isinstance(entity, types.Channel),
    )


def peer_name(peer: Any) -> str | None:
    """``user123`` / ``channel123`` / ``chat123``: the same form Telegram Desktop exports use."""
    if isinstance(peer, types.PeerUser):
        return f"user{peer.user_id}"
    if isinstance(peer, types.PeerChannel):
        return f"channel{peer.channel_id}"
    if isinstance(peer, types.PeerChat):
        return f"chat{peer.chat_id}"
    return None


@dataclass(frozen=True)
class _Wanted:
    media_type: str
    filename: str
    size: int | None


def _wanted(media: Any) -> _Wanted | str | None:
    """What to download, or why not (a reason string), or ``None`` for no attachment."""
    if isinstance(media, types.MessageMediaPhoto):
        photo = media.photo
        if photo is None:
            return "the photo has expired (self-destructing media)"
        return _Wanted("image/jpeg", f"photo_{photo.id}.jpg", None)
    if isinstance(media, types.MessageMediaDocument):
        document = media.document
        if not isinstance(document, types.Document):
            return "the document is gone"
        mime = document.mime_type or "application/octet-stream"
        filename = None
        is_video = False
        for attribute in document.attributes:
            if isinstance(attribute, types.DocumentAttributeFilename):
                filename = attribute.file_name
            if isinstance(attribute, types.DocumentAttributeVideo):
                is_video = True
        if not (mime.startswith(("image/", "video/")) or is_video):
            return f"{filename or 'document'} is {mime}, not an image or video"
        if is_video and not mime.startswith("video/"):
            mime = "video/mp4"
        return _Wanted(mime, filename or f"document_{document.id}", int(document.size))
    if media is None:
        return None
    return f"{type(media).__name__} is not a photo or video"


def media_from_message(
    message: Any,
    chat: ChatInfo,
    data: bytes | None = None,
    *,
    max_file_bytes: int | None = None,
) -> Media | MediaFailure | MediaSkipped | None:
    """Map one Telethon ``Message`` to a record; ``None`` if it has no attachment at all.

    Without ``data`` the result for a wanted attachment is a :class:`Media` with empty bytes
    (the caller checks :func:`wants_download` first); with ``data`` it is the full record.
    """
    wanted = _wanted(getattr(message, "media", None))
    if wanted is None:
        return None
    link = chat.link(message.id)
    if isinstance(wanted, str):
        return MediaSkipped(
            "telegram-live", link, SkipReason.NOT_MEDIA, wanted, message_id=str(message.id)
        )
    if max_file_bytes is not None and wanted.size is not None and wanted.size > max_file_bytes:
        return MediaFailure(
            "telegram-live", link, FailureReason.TOO_LARGE,
            f"{wanted.filename}: {wanted.size} bytes is over {max_file_bytes}",
            container=chat.title, message_id=str(message.id),
        )  # fmt: skip
    fwd = getattr(message, "fwd_from", None)
    forwarded = forwarded_id = None
    if fwd is not None:
        forwarded_id = peer_name(fwd.from_id)
        forwarded = fwd.from_name or forwarded_id or "hidden sender"
    poster_id = peer_name(getattr(message, "from_id", None))
    if poster_id is None and chat.is_channel:
        poster_id = f"channel{chat.id}"  # channel posts are signed by the channel
    sender = getattr(message, "sender", None)
    poster = getattr(message, "post_author", None) or (
        getattr(sender, "username", None) if sender is not None else None
    )
    posted: datetime | None = message.date
    grouped = getattr(message, "grouped_id", None)
    return Media(
        source_kind="telegram-live",
        found_at=link,
        data=data if data is not None else b"",
        container=chat.title,
        container_id=str(chat.id),
        poster=poster,
        poster_id=poster_id,
        posted_at=utc(posted) if posted is not None else None,
        message_id=str(message.id),
        group_id=f"{chat.id}:{grouped}" if grouped is not None else None,
        forwarded_from=forwarded,
        forwarded_from_id=forwarded_id,
        filename=wanted.filename,
        media_type=wanted.media_type,
    )


ClientFactory = Callable[[TelegramLiveConfig], Any]


def telethon_client(config: TelegramLiveConfig) -> Any:
    """A Telethon client for the analyst's session file (not yet connected)."""
    from telethon import TelegramClient  # type: ignore[import-untyped]

    return TelegramClient(str(config.session_path), config.api_id, config.api_hash)


class TelegramLiveSource(Source):
    """Media posted in ``config.chats`` since the message ids in ``since``.

    After iterating, :attr:`last_seen` holds the highest message id read per chat (as given in
    ``config.chats``); pass it as ``since`` next time. It advances only past messages whose
    record has been yielded, so stopping early loses nothing.
    """

    kind = "telegram-live"

    def __init__(
        self,
        config: TelegramLiveConfig,
        since: Mapping[str, int] | None = None,
        *,
        client_factory: ClientFactory = telethon_client,
    ) -> None:
        self.config = config
        self.last_seen: dict[str, int] = dict(since or {})
        self._factory = client_factory

    async def items(self) -> AsyncIterator[Media | MediaFailure | MediaSkipped]:
        client = self._factory(self.config)
        await client.connect()
        try:
            if not await client.is_user_authorized():
                raise SourceError(
                    f"the Telegram session {self.config.session_path} is not logged in; "
                    "log in once interactively to create it"
                )
            for ref in self.config.chats:
                async for item in self._chat(client, ref):
                    yield item
        finally:
            await client.disconnect()

    async def _chat(
        self, client: Any, ref: str
    ) -> AsyncIterator[Media | MediaFailure | MediaSkipped]:
        try:
            entity = await client.get_entity(int(ref) if ref.lstrip("-").isdigit() else ref)
        except ValueError as exc:
            raise SourceError(f"Telegram chat {ref!r} not found or not joined ({exc})") from exc
        chat = chat_info(entity)
        min_id = self.last_seen.get(ref, 0)
        messages = client.iter_messages(
            entity, min_id=min_id, reverse=True, limit=self.config.limit_per_chat
        )
        async for message in messages:
            try:
                record = await self._record(client, chat, message)
            except Exception as exc:  # one message ends with a recorded failure; the chat goes on
                record = MediaFailure(
                    self.kind, chat.link(getattr(message, "id", 0)), FailureReason.ERROR,
                    error_text(exc), container=chat.title,
                )  # fmt: skip
            if record is not None:
                yield record
            self.last_seen[ref] = max(self.last_seen.get(ref, 0), int(message.id))

    async def _record(
        self, client: Any, chat: ChatInfo, message: Any
    ) -> Media | MediaFailure | MediaSkipped | None:
        """One message's record, its media downloaded; ``None`` when it has no attachment."""
        record = media_from_message(message, chat, max_file_bytes=self.config.max_file_bytes)
        if not isinstance(record, Media):
            return record
        try:
            data = await client.download_media(message, file=bytes)
        except Exception as exc:  # Telethon raises many RPC error types
            return MediaFailure(
                self.kind, record.found_at, FailureReason.DOWNLOAD,
                f"download failed: {exc!r}", container=chat.title,
                message_id=record.message_id,
            )  # fmt: skip
        if not isinstance(data, bytes) or not data:
            return MediaFailure(
                self.kind, record.found_at, FailureReason.DOWNLOAD,
                "download returned nothing", container=chat.title,
                message_id=record.message_id,
            )  # fmt: skip
        return media_from_message(message, chat, data)
