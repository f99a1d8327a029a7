"""The ``discord-export`` source: a DiscordChatExporter JSON file of one channel.

Discord servers are one of the places re-uploads move to once Telegram rooms are reported.
DiscordChatExporter writes ``guild``, ``channel`` and ``messages[]``; each message has an
``author``, a ``timestamp``, ``attachments[]`` (``url``, ``fileName``, ``fileSizeBytes``),
``embeds[]`` whose ``image``/``thumbnail`` carry URLs, and ``stickers[]`` (``sourceUrl``: a
picture pasted as a sticker is a re-upload too; Lottie stickers are vector JSON and skipped).
When exported with ``--media``, these URLs are paths relative to the JSON file; otherwise they
are https URLs, which are fetched through the safe fetcher like any web media.

The message link (``https://discord.com/channels/<guild>/<channel>/<message>``) is what a
takedown notice to Discord needs, so it is each item's ``found_at``. The file is read within
size and nesting limits, and a message that breaks the reader is one failed item.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from haechi.sources.base import Source
from haechi.sources.crawl import Context, Crawler, CrawlLimits, Expect, Target
from haechi.sources.errors import SourceFormatError, UnsafePath
from haechi.sources.html import is_media_url
from haechi.sources.jsondoc import load_json
from haechi.sources.paths import find_inside
from haechi.sources.records import (
    FailureReason,
    Item,
    Media,
    MediaFailure,
    MediaSkipped,
    SkipReason,
    error_text,
    utc,
)
from haechi.sources.safety import FetchPolicy, Resolver, system_resolver
from haechi.sources.sniff import sniff_file


def is_discord_export(doc: object) -> bool:
    """Whether a parsed JSON document has the shape DiscordChatExporter writes."""
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("guild"), dict)
        and isinstance(doc.get("channel"), dict)
        and isinstance(doc.get("messages"), list)
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _forwarded_from(message: dict[str, Any], channel_id: str) -> str | None:
    """The channel a message was forwarded (or cross-posted) from: its ``reference`` to another
    channel. A reply references a message of its own channel, so it is no forward."""
    reference = message.get("reference")
    if not isinstance(reference, dict):
        return None
    origin = _text(reference.get("channelId"))
    return origin if origin and origin != channel_id else None


def _sticker_name(sticker: dict[str, Any], url: str) -> str:
    """A sticker's file name: Discord serves them as ``<id>.png`` (APNG too) or ``.gif``."""
    suffix = ".gif" if str(sticker.get("format", "")).lower() == "gif" else ".png"
    base = url.split("?", 1)[0].rsplit("/", 1)[-1]
    return base if is_media_url("/" + base) else f"sticker-{_text(sticker.get('id'))}{suffix}"


def _embed_urls(embed: object) -> list[str]:
    if not isinstance(embed, dict):
        return []
    urls = []
    parts = [embed.get("image"), embed.get("thumbnail")]
    images = embed.get("images")
    if isinstance(images, list):
        parts.extend(images)
    for part in parts:
        if isinstance(part, dict) and isinstance(part.get("url"), str):
            urls.append(part["url"])
    return list(dict.fromkeys(urls))


class DiscordExportSource(Source):
    """Attachments and embedded images of a DiscordChatExporter JSON export."""

    kind = "discord-export"

    def __init__(
        self,
        path: Path,
        *,
        policy: FetchPolicy | None = None,
        limits: CrawlLimits | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.path = path
        self._crawler = Crawler(
            self.kind,
            limits=limits if limits is not None else CrawlLimits(max_depth=0),
            policy=policy,
            resolver=resolver,
        )

    def _load(self) -> dict[str, Any]:
        doc = load_json(self.path)
        if not is_discord_export(doc):
            raise SourceFormatError(
                f"{self.path}: not a DiscordChatExporter JSON export (needs guild, channel, "
                "messages)"
            )
        assert isinstance(doc, dict)
        return doc

    async def items(self) -> AsyncIterator[Item]:
        doc = self._load()
        guild, channel = doc["guild"], doc["channel"]
        guild_id = _text(guild.get("id")) or "0"
        channel_id = _text(channel.get("id")) or "0"
        place = "@me" if guild_id == "0" else guild_id
        container = f"{guild.get('name', '')} / #{channel.get('name', '')}".strip(" /")
        where = self.path.absolute().as_uri()
        remote: list[Target] = []
        for number, message in enumerate(doc["messages"]):
            if not isinstance(message, dict):
                continue
            try:
                found = list(self._message(message, place, channel_id, container, remote))
            except Exception as exc:  # one message ends with a recorded failure; the rest go on
                found = [
                    MediaFailure(
                        self.kind, f"{where}#message={number}", FailureReason.ERROR,
                        error_text(exc),
                    )
                ]  # fmt: skip
            for item in found:
                yield item
        async for item in self._crawler.run(remote):
            yield item

    def _message(
        self,
        message: dict[str, Any],
        place: str,
        channel_id: str,
        container: str,
        remote: list[Target],
    ) -> Iterator[Item]:
        """The local items of one message; its remote media are added to ``remote``."""
        mid = _text(message.get("id"))
        link = f"https://discord.com/channels/{place}/{channel_id}/{mid}"
        author = message.get("author") if isinstance(message.get("author"), dict) else {}
        assert isinstance(author, dict)
        attachments = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
        urls: list[tuple[str, str | None]] = [
            (a["url"], _text(a.get("fileName")))
            for a in attachments
            if isinstance(a.get("url"), str)
        ]
        for embed in message.get("embeds") or []:
            urls.extend((u, None) for u in _embed_urls(embed))
        stickers = [s for s in message.get("stickers") or [] if isinstance(s, dict)]
        for sticker in stickers:
            url = sticker.get("sourceUrl")
            if not isinstance(url, str):
                continue
            if str(sticker.get("format", "")).lower() == "lottie":  # vector JSON, not a picture
                yield MediaSkipped(
                    self.kind, link, SkipReason.NOT_MEDIA, "a Lottie sticker is not an image",
                    url=url if url.startswith(("http://", "https://")) else None,
                    message_id=mid,
                )  # fmt: skip
                continue
            urls.append((url, _sticker_name(sticker, url)))
        context = Context(
            found_at=link,
            container=container or None,
            container_id=channel_id,
            poster=_text(author.get("name")),
            poster_id=_text(author.get("id")),
            posted_at=_timestamp(message.get("timestamp")),
            message_id=mid,
            group_id=mid if len(urls) > 1 else None,
            note=f"nickname: {author['nickname']}" if author.get("nickname") else None,
            forwarded_from_id=_forwarded_from(message, channel_id),
        )
        if context.forwarded_from_id is not None:
            context = replace(context, forwarded_from=f"#{context.forwarded_from_id}")
        for url, filename in urls:
            named = replace(context, filename=filename)
            if url.startswith(("http://", "https://")):
                if filename and not is_media_url("/" + filename):
                    yield MediaSkipped(
                        self.kind, link, SkipReason.NOT_MEDIA,
                        f"attachment {filename} is not an image or video", url=url,
                        message_id=mid,
                    )  # fmt: skip
                else:
                    remote.append(Target(url, Expect.MEDIA, named))
            else:
                yield self._local(url, named)

    def _local(self, relative: str, ctx: Context) -> Item:
        found_at = ctx.found_at or relative
        try:
            path = find_inside(self.path.parent, relative)
        except UnsafePath as exc:
            return MediaFailure(
                self.kind, found_at, FailureReason.UNSAFE_PATH, str(exc),
                container=ctx.container, message_id=ctx.message_id,
            )  # fmt: skip
        if not path.is_file():
            return MediaFailure(
                self.kind, found_at, FailureReason.MISSING_FILE,
                f"{relative} is not beside the export", path=path, container=ctx.container,
                message_id=ctx.message_id,
            )  # fmt: skip
        media_type = sniff_file(path)
        if media_type is None:
            return MediaSkipped(
                self.kind, found_at, SkipReason.NOT_MEDIA, f"{relative} is not an image or video",
                path=path, message_id=ctx.message_id,
            )  # fmt: skip
        return Media(
            source_kind=self.kind,
            found_at=found_at,
            path=path,
            container=ctx.container,
            container_id=ctx.container_id,
            poster=ctx.poster,
            poster_id=ctx.poster_id,
            posted_at=ctx.posted_at,
            message_id=ctx.message_id,
            group_id=ctx.group_id,
            forwarded_from=ctx.forwarded_from,
            forwarded_from_id=ctx.forwarded_from_id,
            filename=ctx.filename or path.name,
            media_type=media_type,
            note=ctx.note,
        )
