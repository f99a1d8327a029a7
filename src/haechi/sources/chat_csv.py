"""The ``chat-csv`` source: links posted in a chat log exported as CSV (KakaoTalk and the like).

Ordinary apps' chat functions (KakaoTalk open chats, community app rooms) are where links to
re-uploads are traded. Their exports do not carry the pictures, but the links in the messages
lead to them. This source reads a CSV chat log, finds the http(s) links in each message, and
fetches them (and the media on linked pages) through the safe fetcher, keeping who posted the
link, when, and in which room.

Columns are recognised by name, case-insensitively, in English and Korean: the time
(``date``, ``time``, ``datetime``, ``timestamp``, ``날짜``, ``일시``...), the poster (``user``,
``author``, ``sender``, ``from``, ``사용자``, ``보낸사람``...), the message (``message``,
``text``, ``content``, ``메시지``, ``내용``...), optionally the room and the message id. App
exports write local time without an offset, so the caller says which zone the log is in.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from haechi.sources.base import Source
from haechi.sources.crawl import Context, Crawler, CrawlLimits, CrawlStats, Expect, Target
from haechi.sources.errors import SourceError, SourceFormatError
from haechi.sources.records import Item
from haechi.sources.safety import FetchPolicy, Resolver, system_resolver
from haechi.sources.url_list import MAX_LIST_BYTES

_ALIASES = {
    "time": ("date", "time", "datetime", "timestamp", "posted_at", "날짜", "시간", "일시", "일자"),
    "poster": ("user", "author", "sender", "from", "name", "poster", "nickname",
               "사용자", "보낸사람", "보낸 사람", "작성자", "이름", "닉네임"),
    "text": ("message", "text", "content", "body", "메시지", "내용", "대화"),
    "room": ("room", "channel", "chat", "채팅방", "방", "방이름"),
    "id": ("id", "message_id", "msg_id"),
}  # fmt: skip
_URL = re.compile(r"""https?://[^\s<>"'`]+""", re.I)
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
                 "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")  # fmt: skip


def urls_in(text: str) -> list[str]:
    """The http(s) URLs in a message, without trailing punctuation, in order, once each."""
    found = [m.group(0).rstrip(".,;:!?)]}>'\"") for m in _URL.finditer(text)]
    return list(dict.fromkeys(u for u in found if len(u) > len("https://")))


def parse_chat_time(text: str, zone: ZoneInfo) -> datetime | None:
    """A chat log time as UTC: ISO 8601, or the usual app formats in ``zone``; else ``None``."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _TIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(ZoneInfo("UTC"))
    except OverflowError:  # "0001-01-01 00:30" east of UTC: before year 1 in UTC
        return None


def _column(header: list[str], role: str) -> int | None:
    for alias in _ALIASES[role]:
        if alias in header:
            return header.index(alias)
    return None


class ChatCsvSource(Source):
    """Fetch the media behind the links posted in a CSV chat log."""

    kind = "chat-csv"

    def __init__(
        self,
        path: Path,
        *,
        timezone: str = "UTC",
        policy: FetchPolicy | None = None,
        limits: CrawlLimits | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.path = path
        self.zone = ZoneInfo(timezone)
        self._crawler = Crawler(
            self.kind,
            limits=limits if limits is not None else CrawlLimits(max_depth=0),
            policy=policy,
            resolver=resolver,
        )

    @property
    def stats(self) -> CrawlStats:
        """Counts of the last (or current) run."""
        return self._crawler.stats

    def targets(self) -> list[Target]:
        """One target per link per message, with the message's context."""
        try:
            if self.path.stat().st_size > MAX_LIST_BYTES:
                raise SourceFormatError(f"{self.path}: larger than {MAX_LIST_BYTES} bytes")
            text = self.path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError as exc:
            raise SourceError(f"{self.path}: cannot read ({exc})") from exc
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            return []
        header = [h.strip().lower() for h in rows[0]]
        columns = {role: _column(header, role) for role in _ALIASES}
        if columns["text"] is None:
            raise SourceFormatError(
                f"{self.path}: no message column (one of {', '.join(_ALIASES['text'])})"
            )
        where = self.path.absolute().as_uri()

        def cell(row: list[str], role: str) -> str | None:
            index = columns[role]
            if index is None or index >= len(row):
                return None
            return row[index].strip() or None

        targets: list[Target] = []
        for line, row in enumerate(rows[1:], 2):
            message = cell(row, "text")
            if not message:
                continue
            stamp = cell(row, "time")
            context = Context(
                found_at=f"{where}#line={line}",
                container=cell(row, "room") or self.path.name,
                poster=cell(row, "poster"),
                posted_at=parse_chat_time(stamp, self.zone) if stamp else None,
                message_id=cell(row, "id") or str(line),
                note=message[:500],
            )
            targets.extend(Target(url, Expect.ANY, context) for url in urls_in(message))
        return targets

    async def items(self) -> AsyncIterator[Item]:
        async for item in self._crawler.run(self.targets()):
            yield item
