"""Sources: where media are found (sites, Telegram, chat exports, folders), as one record type.

Every source yields :class:`Media` (bytes or a path, where and when found, who posted it, and
for fetched media the :class:`FetchRecord`), or a :class:`MediaFailure` / :class:`MediaSkipped`
saying why an item was not had. :func:`open_source` picks the source for a path or URL. Sources
know nothing of hashing; everything fetched goes through :class:`SafeFetcher`.
"""

from haechi.sources.base import LocalSource, Source
from haechi.sources.chat_csv import ChatCsvSource
from haechi.sources.crawl import Context, Crawler, CrawlLimits, CrawlStats, Expect, Target
from haechi.sources.detect import SourceOptions, detect_kind, open_source
from haechi.sources.discord_export import DiscordExportSource
from haechi.sources.errors import (
    FetchError,
    FetchFailed,
    FetchRefused,
    SourceError,
    SourceFormatError,
    UnknownSource,
    UnsafePath,
)
from haechi.sources.fetch import Fetched, SafeFetcher
from haechi.sources.folder import FolderSource
from haechi.sources.records import (
    FailureReason,
    FetchRecord,
    Item,
    Media,
    MediaFailure,
    MediaSkipped,
    RedirectHop,
    SkipReason,
)
from haechi.sources.registry import SOURCES
from haechi.sources.safety import DEFAULT_USER_AGENT, FetchPolicy
from haechi.sources.telegram_export import TelegramExportSource
from haechi.sources.telegram_live import TelegramLiveConfig, TelegramLiveSource
from haechi.sources.url_list import UrlListSource
from haechi.sources.validators import (
    InMemoryValidatorCache,
    JsonFileValidatorCache,
    ValidatorCache,
    Validators,
)
from haechi.sources.web import WebSource

__all__ = [
    "DEFAULT_USER_AGENT",
    "SOURCES",
    "ChatCsvSource",
    "Context",
    "CrawlLimits",
    "CrawlStats",
    "Crawler",
    "DiscordExportSource",
    "Expect",
    "FailureReason",
    "FetchError",
    "FetchFailed",
    "FetchPolicy",
    "FetchRecord",
    "FetchRefused",
    "Fetched",
    "FolderSource",
    "InMemoryValidatorCache",
    "Item",
    "JsonFileValidatorCache",
    "LocalSource",
    "Media",
    "MediaFailure",
    "MediaSkipped",
    "RedirectHop",
    "SafeFetcher",
    "SkipReason",
    "Source",
    "SourceError",
    "SourceFormatError",
    "SourceOptions",
    "Target",
    "TelegramExportSource",
    "TelegramLiveConfig",
    "TelegramLiveSource",
    "UnknownSource",
    "UnsafePath",
    "UrlListSource",
    "ValidatorCache",
    "Validators",
    "WebSource",
    "detect_kind",
    "open_source",
]
