"""The Source contract, checked on every implementation that can run here.

Each subclass builds one small real source; the shared tests check what the scan pipeline
relies on: a registered kind, only record types yielded, sync and async consumption agree,
times in UTC, Media holding bytes or a path, and per-item problems as records, not errors.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from haechi.sources import (
    SOURCES,
    ChatCsvSource,
    DiscordExportSource,
    FetchPolicy,
    FolderSource,
    Item,
    Media,
    MediaFailure,
    MediaSkipped,
    Source,
    TelegramExportSource,
    UrlListSource,
    WebSource,
)
from tests.sources.sitekit import Site, image_bytes


def _key(item: Item) -> tuple[str, str, str | None]:
    return (type(item).__name__, item.found_at, getattr(item, "url", None))


class SourceContract:
    """Subclasses define :meth:`make`, returning a source with at least one media item."""

    def make(self, site: Site, policy: FetchPolicy, tmp_path: Path) -> Source:
        raise NotImplementedError

    @pytest.fixture
    def source(self, site: Site, policy: FetchPolicy, tmp_path: Path) -> Source:
        site.image("/c/1.png", image_bytes(1))
        site.page("/c/", '<img src="/c/1.png"><img src="/c/404.png">')
        return self.make(site, policy, tmp_path)

    def test_kind_is_registered(self, source: Source) -> None:
        assert SOURCES[source.kind] is type(source)

    def test_yields_records_with_utc_times(self, source: Source) -> None:
        items = list(source.iter_sync())
        assert any(isinstance(i, Media) for i in items)
        for item in items:
            assert isinstance(item, Media | MediaFailure | MediaSkipped)
            assert item.source_kind == source.kind and item.found_at
            if isinstance(item, Media):
                assert (item.data is None) != (item.path is None)
                assert item.read()
                if item.posted_at is not None:
                    assert item.posted_at.utcoffset() is not None

    def test_async_and_sync_agree(self, source: Source) -> None:
        async def collect() -> list[Item]:
            return [i async for i in source.items()]

        sync = sorted(map(_key, source.iter_sync()))
        assert sorted(map(_key, asyncio.run(collect()))) == sync


class TestFolder(SourceContract):
    def make(self, site: Site, policy: FetchPolicy, tmp_path: Path) -> Source:
        (tmp_path / "a.png").write_bytes(image_bytes(1))
        (tmp_path / "b.txt").write_text("x")
        return FolderSource(tmp_path)


class TestTelegramExport(SourceContract):
    def make(self, site: Site, policy: FetchPolicy, tmp_path: Path) -> Source:
        (tmp_path / "photos").mkdir()
        (tmp_path / "photos" / "p.jpg").write_bytes(image_bytes(1, "JPEG"))
        messages = [
            {"id": 1, "type": "message", "date_unixtime": "1700000000", "photo": "photos/p.jpg"},
            {"id": 2, "type": "message", "photo": "(File not included. Change data exporting "
             "settings to download.)"},
        ]  # fmt: skip
        doc = {"name": "c", "type": "public_channel", "id": 5, "messages": messages}
        (tmp_path / "result.json").write_text(json.dumps(doc))
        return TelegramExportSource(tmp_path)


class TestWeb(SourceContract):
    def make(self, site: Site, policy: FetchPolicy, tmp_path: Path) -> Source:
        return WebSource([site.url("/c/")], policy=policy)


class TestUrlList(SourceContract):
    def make(self, site: Site, policy: FetchPolicy, tmp_path: Path) -> Source:
        listing = tmp_path / "l.txt"
        listing.write_text(f"{site.url('/c/')}\n{site.url('/c/1.png')}\n")
        return UrlListSource(listing, policy=policy)


class TestDiscordExport(SourceContract):
    def make(self, site: Site, policy: FetchPolicy, tmp_path: Path) -> Source:
        doc = {"guild": {"id": "1", "name": "g"}, "channel": {"id": "2", "name": "c"},
               "messages": [{"id": "3", "timestamp": "2024-01-01T00:00:00+00:00",
                             "author": {"id": "4", "name": "a"},
                             "attachments": [{"id": "5", "url": site.url("/c/1.png"),
                                              "fileName": "1.png"}]}]}  # fmt: skip
        path = tmp_path / "d.json"
        path.write_text(json.dumps(doc))
        return DiscordExportSource(path, policy=policy)


class TestChatCsv(SourceContract):
    def make(self, site: Site, policy: FetchPolicy, tmp_path: Path) -> Source:
        log = tmp_path / "chat.csv"
        log.write_text(f"date,user,message\n2024-01-01 10:00:00,a,look {site.url('/c/')}\n")
        return ChatCsvSource(log, timezone="Asia/Seoul", policy=policy)
