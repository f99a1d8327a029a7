"""The accounts behind a sighting: who posted it, where, and where it was forwarded from.

An account is a node of the link graph with a stable key ``<kind>:<id>``; where a source gave
no id (a hit recorded before ids were kept, a chat CSV, a web poster) the name stands in and
the key says so with ``~`` (``telegram-chat:~room name``), because a name can be reused by
someone else. Keys are made so the same account meets itself across sources: a Telegram
channel's chat id in one export is the ``channel<id>`` a forward in another export names, a
Discord channel is its snowflake wherever it appears.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from haechi.tracking.sightings import Sighting


class AccountKind(StrEnum):
    """What an account is; the stable names of the JSON and GraphML exports."""

    TELEGRAM_CHAT = "telegram-chat"  # a channel, supergroup or group
    TELEGRAM_USER = "telegram-user"
    DISCORD_SERVER = "discord-server"
    DISCORD_CHANNEL = "discord-channel"
    DISCORD_USER = "discord-user"
    CHAT_ROOM = "chat-room"  # a chat CSV's room (KakaoTalk, LINE, ...)
    CHAT_USER = "chat-user"
    SITE = "site"  # the domain of the page a copy was on
    HOST = "host"  # the host that served the file, when not the page's (a CDN, an image host)
    POSTER = "poster"  # a poster's handle on a site


@dataclass(frozen=True)
class Account:
    """One node: its key, kind and the name people know it by."""

    key: str
    kind: AccountKind
    label: str

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind.value, "label": self.label}


_TELEGRAM_PEER = re.compile(r"^(user|channel|chat)?(-?\d+)$")
_DISCORD_LINK = re.compile(r"^https://discord\.com/channels/(\d+|@me)/(\d+)/")
_TELEGRAM_SOURCES = frozenset({"telegram-export", "telegram-live"})


def _account(kind: AccountKind, ident: str | None, name: str | None) -> Account | None:
    if ident:
        return Account(f"{kind.value}:{ident}", kind, name or ident)
    if name:
        return Account(f"{kind.value}:~{name}", kind, name)
    return None


def telegram_peer(ident: str | None, name: str | None) -> Account | None:
    """A Telegram peer from ``user123``/``channel123``/``chat123`` or a bare chat id."""
    if ident:
        match = _TELEGRAM_PEER.match(ident.strip())
        if match is not None:
            prefix, digits = match.groups()
            digits = digits.removeprefix("-100") if len(digits) > 13 else digits.lstrip("-")
            kind = AccountKind.TELEGRAM_USER if prefix == "user" else AccountKind.TELEGRAM_CHAT
            return _account(kind, digits, name)
    return _account(AccountKind.TELEGRAM_CHAT, None, name)


@dataclass(frozen=True)
class Carriers:
    """The accounts that carried one sighting, and the account it was forwarded from."""

    accounts: tuple[Account, ...]
    origin: Account | None
    room: Account | None  # the channel, room or site it was in: what a forward went into


def carriers(s: Sighting) -> Carriers:
    """Who carried a sighting: its room, its poster, its server or site and file host."""
    found: list[Account | None] = []
    room: Account | None = None
    origin: Account | None = None
    if s.source_kind in _TELEGRAM_SOURCES:
        room = telegram_peer(s.container_id, s.container)
        poster = telegram_peer(s.poster_id, s.poster) if s.poster_id else None
        if poster is None and s.poster:
            poster = _account(AccountKind.TELEGRAM_USER, None, s.poster)
        found += [room, poster]
        if s.forwarded_from_id or s.forwarded_from:
            origin = telegram_peer(s.forwarded_from_id, s.forwarded_from)
    elif s.source_kind == "discord-export":
        link = _DISCORD_LINK.match(s.page or s.location)
        server_name, _, channel_name = (s.container or "").rpartition(" / ")
        guild = link.group(1) if link else None
        channel = s.container_id or (link.group(2) if link else None)
        if guild and guild != "@me":
            found.append(_account(AccountKind.DISCORD_SERVER, guild, server_name or None))
        room = _account(AccountKind.DISCORD_CHANNEL, channel, channel_name or s.container)
        found += [room, _account(AccountKind.DISCORD_USER, s.poster_id, s.poster)]
        if s.forwarded_from_id:
            origin = _account(AccountKind.DISCORD_CHANNEL, s.forwarded_from_id, None)
    elif s.source_kind == "chat-csv":
        room = _account(AccountKind.CHAT_ROOM, None, s.container)
        user = f"{s.container or ''}/{s.poster}" if s.poster else None
        found += [room, _account(AccountKind.CHAT_USER, None, user)]
    else:
        site = s.host
        if site is not None:
            room = _account(AccountKind.SITE, site, None)
            found.append(room)
            if s.media_host is not None:
                found.append(_account(AccountKind.HOST, s.media_host, None))
            if s.poster:
                found.append(_account(AccountKind.POSTER, None, f"{site}/{s.poster}"))
    unique = {a.key: a for a in found if a is not None}
    if origin is not None and origin.key in unique:
        origin = None  # a channel's own post, not a forward
    return Carriers(tuple(unique.values()), origin, room)


def carrier_key(s: Sighting) -> tuple[Any, ...]:
    """Everything :func:`carriers` reads of a sighting: sightings with the same key have the
    same carriers, so a hundred thousand of them need only a few thousand calls."""
    urls = (s.location, s.page) if s.source_kind == "discord-export" else None
    return (
        s.source_kind, s.container, s.poster, s.forwarded_from, s.container_id, s.poster_id,
        s.forwarded_from_id, s.host, s.media_host, urls,
    )  # fmt: skip
