"""From what a volunteer typed (a path or a URL) to the right source, or a clear error.

``haechi scan TARGET`` should just work on whatever a volunteer has: a Telegram export
folder, a Discord JSON file, a spreadsheet of links, a site's address. Detection looks at the
content, not only the name (every Telegram export is ``result.json``, but so may be other
JSON), and ``kind`` overrides it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from haechi.sources.base import Source
from haechi.sources.chat_csv import ChatCsvSource
from haechi.sources.crawl import CrawlLimits
from haechi.sources.discord_export import DiscordExportSource, is_discord_export
from haechi.sources.errors import SourceError, UnknownSource
from haechi.sources.folder import FolderSource
from haechi.sources.jsondoc import load_json
from haechi.sources.registry import SOURCES
from haechi.sources.safety import FetchPolicy, Resolver, system_resolver
from haechi.sources.telegram_export import RESULT_FILE, TelegramExportSource
from haechi.sources.telegram_live import TelegramLiveConfig, TelegramLiveSource
from haechi.sources.url_list import UrlListSource
from haechi.sources.validators import ValidatorCache
from haechi.sources.web import WebSource

_SNIFF_JSON_BYTES = 512 * 1024 * 1024  # detection parses the JSON once; beyond this, say kind


@dataclass(frozen=True)
class SourceOptions:
    """Everything a source may need beyond its target; built once by the CLI or the scan."""

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    limits: CrawlLimits = field(default_factory=CrawlLimits)  # web crawls
    # URL lists, chat logs and Discord attachments: the linked page's media only, by default
    list_limits: CrawlLimits = field(default_factory=lambda: CrawlLimits(max_depth=0))
    cache: ValidatorCache | None = None
    timezone: str = "UTC"  # of chat-log CSV times that carry no offset
    telegram: TelegramLiveConfig | None = None
    since: Mapping[str, int] = field(default_factory=dict)
    resolver: Resolver = system_resolver


def _json_shape(path: Path) -> str | None:
    try:
        doc: Any = load_json(path, max_bytes=_SNIFF_JSON_BYTES)
    except SourceError:
        return None
    if is_discord_export(doc):
        return "discord-export"
    if isinstance(doc, dict) and (
        isinstance(doc.get("messages"), list) or isinstance(doc.get("chats"), dict)
    ):
        return "telegram-export"
    if isinstance(doc, list) or (isinstance(doc, dict) and isinstance(doc.get("urls"), list)):
        return "url-list"
    return None


def _csv_shape(path: Path) -> str:
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            first = handle.readline()
    except OSError:
        return "url-list"
    header = [h.strip().lower() for h in next(csv.reader(io.StringIO(first)), [])]
    chat_columns = {"message", "text", "content", "body", "메시지", "내용", "대화"}
    if "url" not in header and chat_columns & set(header):
        return "chat-csv"
    return "url-list"


def detect_kind(target: str) -> str:
    """The source kind for a target, or :class:`UnknownSource` saying what was expected."""
    if target.lower().startswith(("http://", "https://")):
        return "web"
    path = Path(target)
    if path.is_dir():
        return "telegram-export" if (path / RESULT_FILE).is_file() else "folder"
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".json":
            shape = _json_shape(path)
            if shape is not None:
                return shape
            raise UnknownSource(
                f"{target}: a JSON file that is neither a Telegram export, a Discord export "
                "nor a URL list; pass --kind if it is one of them"
            )
        if suffix == ".csv":
            return _csv_shape(path)
        if suffix == ".txt":
            return "url-list"
        raise UnknownSource(
            f"{target}: cannot tell what this file is; expected a folder, a Telegram or Discord "
            "JSON export, a .csv/.txt/.json URL list or chat log, or an http(s) URL"
        )
    raise UnknownSource(f"{target}: no such file or folder, and not an http(s) URL")


def open_source(
    target: str, kind: str | None = None, options: SourceOptions | None = None
) -> Source:
    """The source for ``target``, of ``kind`` or of the detected kind.

    For ``telegram-live`` the target names the chats (comma-separated) and
    ``options.telegram`` holds the credentials.
    """
    opts = options if options is not None else SourceOptions()
    if kind is None:
        kind = detect_kind(target)
    if kind not in SOURCES:
        raise UnknownSource(f"unknown source kind {kind!r}; one of: {', '.join(SOURCES)}")
    common: dict[str, Any] = {"policy": opts.policy, "resolver": opts.resolver}
    if kind == "web":
        return WebSource([target], limits=opts.limits, cache=opts.cache, **common)
    if kind == "url-list":
        return UrlListSource(Path(target), limits=opts.list_limits, cache=opts.cache, **common)
    if kind == "chat-csv":
        return ChatCsvSource(
            Path(target), timezone=opts.timezone, limits=opts.list_limits, **common
        )
    if kind == "discord-export":
        return DiscordExportSource(Path(target), limits=opts.list_limits, **common)
    if kind == "telegram-export":
        return TelegramExportSource(Path(target))
    if kind == "folder":
        return FolderSource(Path(target))
    assert kind == "telegram-live"
    if opts.telegram is None:
        raise UnknownSource("telegram-live needs Telegram API settings (api id, hash, session)")
    chats = tuple(c.strip() for c in target.split(",") if c.strip()) or opts.telegram.chats
    return TelegramLiveSource(replace(opts.telegram, chats=chats), opts.since)
