"""Telethon messages to Media records, on real telethon.tl.types objects; no network.

The only stand-in is the client object for the source loop (Telegram's servers cannot run
here); the mapping itself is the production function on Telethon's own types.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from telethon.tl import types  # type: ignore[import-untyped]

from haechi.sources.errors import SourceError
from haechi.sources.records import FailureReason, Media, MediaFailure, MediaSkipped
from haechi.sources.telegram_live import (
    ChatInfo,
    TelegramLiveConfig,
    TelegramLiveSource,
    chat_info,
    media_from_message,
)

WHEN = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
CHANNEL = ChatInfo(id=1500000001, title="leak room", username=None, is_channel=True)


def photo_media(photo_id: int = 77) -> Any:
    photo = types.Photo(
        id=photo_id, access_hash=1, file_reference=b"", date=WHEN, sizes=[], dc_id=2
    )
    return types.MessageMediaPhoto(photo=photo)


def document_media(mime: str, *attributes: Any, size: int = 1000, doc_id: int = 88) -> Any:
    document = types.Document(
        id=doc_id, access_hash=1, file_reference=b"", date=WHEN, mime_type=mime, size=size,
        dc_id=2, attributes=list(attributes),
    )  # fmt: skip
    return types.MessageMediaDocument(document=document)


def message(mid: int, media: Any, **kw: Any) -> Any:
    return types.Message(
        id=mid, peer_id=types.PeerChannel(CHANNEL.id), date=WHEN, message="", media=media, **kw
    )


def test_photo_in_an_album_from_a_user() -> None:
    msg = message(10, photo_media(), from_id=types.PeerUser(4242), grouped_id=555)
    got = media_from_message(msg, CHANNEL, b"\xff\xd8\xffdata")
    assert isinstance(got, Media)
    assert got.found_at == "https://t.me/c/1500000001/10" and got.message_id == "10"
    assert got.poster_id == "user4242" and got.group_id == "1500000001:555"
    assert got.posted_at == WHEN and got.media_type == "image/jpeg"
    assert got.filename == "photo_77.jpg" and got.data == b"\xff\xd8\xffdata"
    assert got.container == "leak room" and got.source_kind == "telegram-live"


def test_forwarded_video_document_in_a_public_channel() -> None:
    media = document_media(
        "video/mp4",
        types.DocumentAttributeVideo(duration=3.0, w=640, h=360),
        types.DocumentAttributeFilename(file_name="clip.mp4"),
    )
    fwd = types.MessageFwdHeader(date=WHEN, from_id=types.PeerChannel(999), channel_post=5)
    msg = message(11, media, fwd_from=fwd, post_author="admin")
    public = ChatInfo(id=1, title="pub", username="pubroom", is_channel=True)
    got = media_from_message(msg, public, b"video")
    assert isinstance(got, Media)
    assert got.found_at == "https://t.me/pubroom/11"
    assert got.forwarded_from == "channel999" and got.poster == "admin"
    assert got.poster_id == "channel1" and got.filename == "clip.mp4"
    assert got.media_type == "video/mp4" and got.group_id is None
    named = types.MessageFwdHeader(date=WHEN, from_name="Hidden Person")
    again = media_from_message(message(12, media, fwd_from=named), public, b"v")
    assert isinstance(again, Media) and again.forwarded_from == "Hidden Person"


def test_video_attribute_with_generic_mime_is_video() -> None:
    media = document_media(
        "application/octet-stream", types.DocumentAttributeVideo(duration=1.0, w=1, h=1)
    )
    got = media_from_message(message(13, media), CHANNEL, b"v")
    assert isinstance(got, Media) and got.media_type == "video/mp4"


def test_non_media_and_oversized_and_empty() -> None:
    pdf = document_media("application/pdf", types.DocumentAttributeFilename(file_name="a.pdf"))
    skipped = media_from_message(message(14, pdf), CHANNEL)
    assert isinstance(skipped, MediaSkipped) and "a.pdf" in skipped.detail
    big = document_media("video/mp4", size=10_000_000)
    failed = media_from_message(message(15, big), CHANNEL, max_file_bytes=1_000_000)
    assert isinstance(failed, MediaFailure) and failed.reason == FailureReason.TOO_LARGE
    assert media_from_message(message(16, None), CHANNEL) is None
    expired = media_from_message(message(17, types.MessageMediaPhoto(photo=None)), CHANNEL)
    assert isinstance(expired, MediaSkipped)
    geo = media_from_message(message(18, types.MessageMediaGeo(geo=types.GeoPointEmpty())), CHANNEL)
    assert isinstance(geo, MediaSkipped)


def test_chat_info_from_entities() -> None:
    channel = types.Channel(
        id=123, title="room", photo=types.ChatPhotoEmpty(), date=WHEN, username="roomname"
    )
    assert chat_info(channel) == ChatInfo(123, "room", "roomname", True)
    user = types.User(id=5, first_name="Kim", last_name="Lee")
    info = chat_info(user)
    assert info.title == "Kim Lee" and not info.is_channel
    assert info.link(3) == "telegram:5/3"


class FakeClient:
    """Stands in for Telethon's client: Telegram's servers cannot run in a test."""

    def __init__(self, messages: list[Any], authorized: bool = True) -> None:
        self.messages = messages
        self.authorized = authorized
        self.disconnected = False
        self.min_ids: list[int] = []

    async def connect(self) -> None:
        pass

    async def disconnect(self) -> None:
        self.disconnected = True

    async def is_user_authorized(self) -> bool:
        return self.authorized

    async def get_entity(self, ref: object) -> Any:
        return types.Channel(id=CHANNEL.id, title="leak room", photo=types.ChatPhotoEmpty(),
                             date=WHEN, megagroup=True)  # fmt: skip

    async def _iter(self, min_id: int) -> AsyncIterator[Any]:
        for m in self.messages:
            if m.id > min_id:
                yield m

    def iter_messages(self, entity: Any, *, min_id: int, reverse: bool, limit: Any) -> Any:
        self.min_ids.append(min_id)
        return self._iter(min_id)

    async def download_media(self, msg: Any, file: type) -> bytes:
        if msg.id == 3:
            raise ConnectionError("flood wait")
        return f"bytes of {msg.id}".encode()


def test_source_downloads_new_media_and_keeps_min_id(tmp_path: Path) -> None:
    msgs = [
        message(1, photo_media(1)),
        message(2, None),
        message(3, photo_media(3)),
        message(4, document_media("image/webp")),
    ]
    client = FakeClient(msgs)
    config = TelegramLiveConfig(
        api_id=1, api_hash="secret", session_path=tmp_path / "s.session", chats=("leakroom",)
    )
    assert "secret" not in repr(config)
    source = TelegramLiveSource(config, {"leakroom": 1}, client_factory=lambda c: client)
    items = list(source.iter_sync())
    assert client.min_ids == [1] and client.disconnected
    assert [type(i).__name__ for i in items] == ["MediaFailure", "Media"]
    assert isinstance(items[0], MediaFailure) and items[0].reason == FailureReason.DOWNLOAD
    assert isinstance(items[1], Media) and items[1].data == b"bytes of 4"
    assert items[1].media_type == "image/webp"
    assert source.last_seen == {"leakroom": 4}


def test_source_needs_a_logged_in_session(tmp_path: Path) -> None:
    client = FakeClient([], authorized=False)
    config = TelegramLiveConfig(api_id=1, api_hash="x", session_path=tmp_path / "s", chats=("a",))
    source = TelegramLiveSource(config, client_factory=lambda c: client)
    with pytest.raises(SourceError, match="not logged in"):
        asyncio.run(_drain(source))
    assert client.disconnected


async def _drain(source: TelegramLiveSource) -> None:
    async for _ in source.items():
        pass


def test_a_message_that_breaks_the_mapping_is_one_failure(tmp_path: Path) -> None:
    odd = document_media("video/mp4", size=None)  # type: ignore[arg-type]
    client = FakeClient([message(5, odd), message(6, photo_media(6))])
    config = TelegramLiveConfig(api_id=1, api_hash="x", session_path=tmp_path / "s", chats=("a",))
    source = TelegramLiveSource(config, client_factory=lambda c: client)
    failure, media = list(source.iter_sync())
    assert isinstance(failure, MediaFailure) and failure.reason is FailureReason.ERROR
    assert failure.detail.startswith("TypeError") and failure.found_at.endswith("/5")
    assert isinstance(media, Media) and media.data == b"bytes of 6"
    assert source.last_seen == {"a": 6}
