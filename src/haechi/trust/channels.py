"""The official-channels registry: the organisation's real web sites, addresses, numbers,
accounts and donation bank accounts, signed and public.

Impersonators copy a group's name and logo; they cannot add their account to this list.
Anyone can ask "is this really theirs?" (:func:`lookup`): values are compared in a normal form
per kind (e-mail in lower case, phone and bank numbers as digits with ``+82`` read as ``0``,
web addresses and accounts without scheme, ``www.``, ``@`` or a trailing ``/``), so the way
someone types it does not matter. The list is published signed at
``/.well-known/haechi-channels.json`` (:func:`registry_document`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.members.model import Actor
from haechi.store.trust_models import TrustChannelRow
from haechi.trust.config import TrustConfig
from haechi.trust.credentials import CONTEXT
from haechi.trust.documents import sign
from haechi.trust.errors import TrustError
from haechi.trust.keys import Purpose
from haechi.trust.timefmt import time_text

MAX_VALUE = 300
REGISTRY_TYPE = "HaechiOfficialChannels"


class ChannelKind(StrEnum):
    """Kinds of channel (stable short names)."""

    WEBSITE = "website"
    EMAIL = "email"
    PHONE = "phone"
    TELEGRAM = "telegram"
    SOCIAL = "social"
    BANK = "bank"


_PREFIXES = re.compile(r"^(https?://)?(www\.)?(t\.me/|telegram\.me/)?@?")


def _digits(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return "0" + digits[2:] if value.strip().startswith("+82") else digits


def normalise(kind: ChannelKind, value: str) -> str:
    """``value`` in the form compared for ``kind``."""
    text = value.strip()
    if kind in (ChannelKind.PHONE, ChannelKind.BANK):
        return _digits(text)
    text = text.lower()
    if kind is ChannelKind.EMAIL:
        return text.removeprefix("mailto:")
    return _PREFIXES.sub("", text).rstrip("/")


def parse_kind(value: str) -> ChannelKind:
    """A kind from its name; :class:`TrustError` listing the kinds."""
    try:
        return ChannelKind(value.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in ChannelKind)
        raise TrustError(f"unknown channel kind {value!r}; one of {kinds}") from None


@dataclass(frozen=True)
class Channel:
    """One official channel."""

    id: int
    kind: ChannelKind
    value: str
    label: str
    added_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form (also what the signed registry lists)."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "value": self.value,
            "label": self.label,
            "since": time_text(self.added_at),
        }


def _channel(row: TrustChannelRow) -> Channel:
    return Channel(row.id, ChannelKind(row.kind), row.value, row.label, row.added_at)


def list_channels(session: Session) -> list[Channel]:
    """The current channels, by kind then value."""
    rows = session.scalars(
        select(TrustChannelRow)
        .where(TrustChannelRow.removed_at.is_(None))
        .order_by(TrustChannelRow.kind, TrustChannelRow.normalised)
    )
    return [_channel(r) for r in rows]


def add_channel(
    session: Session, actor: Actor, kind: ChannelKind, value: str, label: str, now: datetime
) -> Channel:
    """Add a channel (a value already listed for its kind is refused)."""
    value = value.strip()
    normal = normalise(kind, value)
    if not normal or len(value) > MAX_VALUE:
        raise TrustError(f"give the channel's {kind.value} (at most {MAX_VALUE} characters)")
    if any(c.kind is kind and normalise(kind, c.value) == normal for c in list_channels(session)):
        raise TrustError(f"{value} is listed already")
    row = TrustChannelRow(
        kind=kind.value, value=value, normalised=normal, label=label.strip()[:200], added_at=now
    )
    session.add(row)
    session.flush()
    record(
        session,
        AuditKind.CHANNEL_ADDED,
        actor,
        detail={"kind": kind.value, "value": value},
        now=now,
    )
    return _channel(row)


def remove_channel(session: Session, actor: Actor, channel_id: int, now: datetime) -> Channel:
    """Take a channel off the list (kept, dated, in the database)."""
    row = session.get(TrustChannelRow, channel_id)
    if row is None or row.removed_at is not None:
        raise TrustError(f"no listed channel {channel_id} (`haechi trust channel list`)")
    row.removed_at = now
    record(
        session,
        AuditKind.CHANNEL_REMOVED,
        actor,
        detail={"kind": row.kind, "value": row.value},
        now=now,
    )
    return _channel(row)


def lookup(session: Session, text: str) -> list[Channel]:
    """The listed channels that ``text`` is (any kind), empty when it is none of ours."""
    if not text.strip():
        return []
    found = []
    for channel in list_channels(session):
        wanted = normalise(channel.kind, text)
        if wanted and wanted == normalise(channel.kind, channel.value):
            found.append(channel)
    return found


def registry_url(config: TrustConfig) -> str:
    """Where the signed registry is published."""
    return f"{config.public_url}/.well-known/haechi-channels.json"


def registry_subject(session: Session, config: TrustConfig) -> dict[str, Any]:
    """What the registry says now (its ``credentialSubject``)."""
    return {
        "type": "OfficialChannels",
        "channels": [
            {k: v for k, v in c.as_json().items() if k != "id"} for c in list_channels(session)
        ],
        "report": config.verify_link() + "#report",
    }


def registry_document(session: Session, config: TrustConfig, now: datetime) -> dict[str, Any]:
    """The signed list of channels, as ``/.well-known/haechi-channels.json`` serves it."""
    unsigned = {
        "@context": CONTEXT,
        "id": registry_url(config),
        "type": ["VerifiableCredential", REGISTRY_TYPE],
        "issuer": {"id": config.did, "name": config.organisation},
        "validFrom": time_text(now),
        "credentialSubject": registry_subject(session, config),
    }
    return sign(session, config, Purpose.CREDENTIALS, unsigned, now)
