"""open_source: the right source for each kind of target, and clear errors for the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import haechi.sources as sources
from haechi.sources import (
    SOURCES,
    ChatCsvSource,
    DiscordExportSource,
    FolderSource,
    SourceOptions,
    TelegramExportSource,
    TelegramLiveConfig,
    TelegramLiveSource,
    UnknownSource,
    UrlListSource,
    WebSource,
    detect_kind,
    open_source,
)


def test_kinds_are_the_stable_names() -> None:
    assert list(SOURCES) == [
        "folder", "web", "url-list", "telegram-export", "discord-export", "chat-csv",
        "telegram-live",
    ]  # fmt: skip
    assert all(cls.kind == name for name, cls in SOURCES.items())


def test_public_exports() -> None:
    assert sorted(sources.__all__) == sorted(set(sources.__all__))
    for name in sources.__all__:
        assert getattr(sources, name) is not None
    assert {"Source", "Media", "MediaFailure", "FetchRecord", "open_source"} <= set(sources.__all__)


def test_detection(tmp_path: Path) -> None:
    export = tmp_path / "ChatExport"
    export.mkdir()
    (export / "result.json").write_text(json.dumps({"name": "x", "id": 1, "messages": []}))
    plain = tmp_path / "plain"
    plain.mkdir()
    discord = tmp_path / "dc.json"
    discord.write_text(json.dumps({"guild": {}, "channel": {}, "messages": []}))
    urls_json = tmp_path / "urls.json"
    urls_json.write_text(json.dumps(["https://a.example/x.jpg"]))
    urls_csv = tmp_path / "urls.csv"
    urls_csv.write_text("url,poster\nhttps://a.example/x.jpg,p\n")
    chat = tmp_path / "chat.csv"
    chat.write_text("Date,User,Message\n2024-01-01 00:00:00,a,hi\n")
    urls_txt = tmp_path / "urls.txt"
    urls_txt.write_text("https://a.example/x.jpg\n")

    cases = {
        "https://site.example/": ("web", WebSource),
        str(export): ("telegram-export", TelegramExportSource),
        str(export / "result.json"): ("telegram-export", TelegramExportSource),
        str(plain): ("folder", FolderSource),
        str(discord): ("discord-export", DiscordExportSource),
        str(urls_json): ("url-list", UrlListSource),
        str(urls_csv): ("url-list", UrlListSource),
        str(chat): ("chat-csv", ChatCsvSource),
        str(urls_txt): ("url-list", UrlListSource),
    }
    for target, (kind, cls) in cases.items():
        assert detect_kind(target) == kind, target
        assert type(open_source(target)) is cls


def test_clear_errors(tmp_path: Path) -> None:
    odd = tmp_path / "x.bin"
    odd.write_bytes(b"\0")
    other_json = tmp_path / "config.json"
    other_json.write_text('{"a": 1}')
    for target, message in [
        (str(tmp_path / "missing"), "no such file"),
        (str(odd), "cannot tell"),
        (str(other_json), "--kind"),
        ("ftp://x.example/", "no such file"),
    ]:
        with pytest.raises(UnknownSource, match=message):
            open_source(target)
    with pytest.raises(UnknownSource, match="one of"):
        open_source("https://x.example/", kind="myspace")
    with pytest.raises(UnknownSource, match="Telegram API"):
        open_source("room", kind="telegram-live")


def test_explicit_kind_and_live_options(tmp_path: Path) -> None:
    listing = tmp_path / "whatever.dat"
    listing.write_text("https://a.example/\n")
    assert isinstance(open_source(str(listing), kind="url-list"), UrlListSource)
    config = TelegramLiveConfig(api_id=1, api_hash="h", session_path=tmp_path / "s")
    live = open_source(
        "room_a, room_b", "telegram-live", SourceOptions(telegram=config, since={"room_a": 9})
    )
    assert isinstance(live, TelegramLiveSource)
    assert live.config.chats == ("room_a", "room_b") and live.last_seen == {"room_a": 9}
