"""The one place source kinds are named: stable short names to classes, checked unique.

The names are keys in the database, the CLI (``haechi scan --kind``) and the API, so they
never change once released.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from haechi.sources.base import Source
from haechi.sources.chat_csv import ChatCsvSource
from haechi.sources.discord_export import DiscordExportSource
from haechi.sources.folder import FolderSource
from haechi.sources.telegram_export import TelegramExportSource
from haechi.sources.telegram_live import TelegramLiveSource
from haechi.sources.url_list import UrlListSource
from haechi.sources.web import WebSource


def _build(*classes: type[Source]) -> Mapping[str, type[Source]]:
    table: dict[str, type[Source]] = {}
    for cls in classes:
        if cls.kind in table:
            raise RuntimeError(f"source kind {cls.kind!r} is used twice")
        table[cls.kind] = cls
    return MappingProxyType(table)


SOURCES: Mapping[str, type[Source]] = _build(
    FolderSource,
    WebSource,
    UrlListSource,
    TelegramExportSource,
    DiscordExportSource,
    ChatCsvSource,
    TelegramLiveSource,
)
"""Every source class by its ``kind``."""
