from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from haechi.errors import HaechiError
from haechi.scan.intake import load_telegram_marks, save_telegram_marks, to_pipeline
from haechi.scan.model import FileOutcome, Found
from haechi.settings import Settings
from haechi.sources import (
    FailureReason,
    Media,
    MediaFailure,
    MediaSkipped,
    SkipReason,
    TelegramLiveConfig,
    TelegramLiveSource,
)


def test_fetched_media_keep_url_page_poster_and_time() -> None:
    when = datetime(2026, 11, 2, 3, 4, tzinfo=UTC)
    item = to_pipeline(
        Media(
            "web",
            "https://site.example/board/1",
            data=b"x",
            url="https://cdn.example/a.jpg",
            container="board",
            poster="uploader",
            posted_at=when,
        )
    )
    assert isinstance(item, Found) and item.payload == b"x"
    seen = item.seen
    assert seen.location == "https://cdn.example/a.jpg"
    assert seen.found_in == "https://site.example/board/1"
    assert (seen.source_kind, seen.container, seen.poster, seen.posted_at) == (
        "web",
        "board",
        "uploader",
        when,
    )


def test_export_media_are_located_by_file_and_message(tmp_path: Path) -> None:
    path = tmp_path / "photos" / "p.jpg"
    item = to_pipeline(
        Media("telegram-export", "https://t.me/c/1/5", path=path, message_id="5", poster="x")
    )
    assert isinstance(item, Found)
    assert item.seen.location == str(path) and item.seen.found_in == "https://t.me/c/1/5"


def test_failures_and_skips_become_recorded_outcomes() -> None:
    failed = to_pipeline(
        MediaFailure("web", "https://a.example/", FailureReason.REFUSED, "private address")
    )
    skipped = to_pipeline(MediaSkipped("web", "https://a.example/", SkipReason.NOT_MODIFIED))
    assert failed == FileOutcome("https://a.example/", "failed", "refused: private address")
    assert skipped == FileOutcome("https://a.example/", "skipped", "not-modified")


def test_telegram_marks_survive_between_runs(settings: Settings, tmp_path: Path) -> None:
    settings.home.mkdir(parents=True)
    assert load_telegram_marks(settings) == {}
    config = TelegramLiveConfig(api_id=1, api_hash="h", session_path=tmp_path / "s")
    source = TelegramLiveSource(config, {"room_a": 10})
    source.last_seen["room_b"] = 7
    save_telegram_marks(settings, source)
    assert load_telegram_marks(settings) == {"room_a": 10, "room_b": 7}
    (settings.home / "telegram-marks.json").write_text("{broken")
    with pytest.raises(HaechiError, match="damaged"):
        load_telegram_marks(settings)
