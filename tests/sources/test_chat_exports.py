"""Discord exports, URL lists and chat-log CSVs, fetching through a real server on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from haechi.sources.chat_csv import ChatCsvSource, parse_chat_time, urls_in
from haechi.sources.discord_export import DiscordExportSource
from haechi.sources.errors import SourceFormatError
from haechi.sources.records import FailureReason, Item, Media, MediaFailure, MediaSkipped
from haechi.sources.safety import FetchPolicy
from haechi.sources.url_list import UrlListSource, read_url_list
from tests.sources.sitekit import Site, image_bytes


def media(items: list[Item]) -> list[Media]:
    return [i for i in items if isinstance(i, Media)]


def failed(items: list[Item]) -> list[MediaFailure]:
    return [i for i in items if isinstance(i, MediaFailure)]


def discord_doc(site: Site) -> dict[str, object]:
    return {
        "guild": {"id": "111", "name": "Leaks", "iconUrl": "https://cdn.example/icon.png"},
        "channel": {"id": "222", "type": "GuildTextChat", "categoryId": "3",
                    "category": "general", "name": "pics", "topic": None},
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2024-05-01T00:00:00+00:00",
        "messages": [
            {"id": "1001", "type": "Default", "timestamp": "2024-04-01T10:00:00.123+09:00",
             "timestampEdited": None, "isPinned": False, "content": "two pics",
             "author": {"id": "9001", "name": "perp_handle", "discriminator": "0000",
                        "nickname": "Perp", "isBot": False},
             "attachments": [
                 {"id": "1", "url": "export_Files/pic-1A2B.png", "fileName": "pic.png",
                  "fileSizeBytes": 100},
                 {"id": "2", "url": "export_Files/my%20pic-3C4D.jpg", "fileName": "my pic.jpg",
                  "fileSizeBytes": 100},
             ], "embeds": [], "reactions": [], "mentions": []},
            {"id": "1002", "type": "Default", "timestamp": "2024-04-01T10:05:00+00:00",
             "content": "remote",
             "author": {"id": "9002", "name": "other", "nickname": None},
             "attachments": [
                 {"id": "3", "url": site.url("/att/remote.png"), "fileName": "remote.png",
                  "fileSizeBytes": 100},
                 {"id": "4", "url": site.url("/att/archive.zip"), "fileName": "archive.zip",
                  "fileSizeBytes": 100},
             ],
             "embeds": [{"title": "x", "url": "https://t.example/",
                         "thumbnail": {"url": site.url("/embed/thumb.jpg"), "width": 1},
                         "image": {"url": "http://169.254.169.254/latest/meta-data/"}}]},
            {"id": "1003", "type": "Default", "timestamp": "2024-04-01T10:06:00+00:00",
             "author": {"id": "9001", "name": "perp_handle"},
             "attachments": [
                 {"id": "5", "url": "../../etc/passwd", "fileName": "passwd"},
                 {"id": "6", "url": "export_Files/missing.png", "fileName": "missing.png"},
             ], "embeds": []},
            "junk",
        ],
        "messageCount": 4,
    }  # fmt: skip


def test_discord_export_local_and_remote(site: Site, policy: FetchPolicy, tmp_path: Path) -> None:
    site.image("/att/remote.png", image_bytes(1))
    site.image("/embed/thumb.jpg", image_bytes(2, "JPEG"), content_type="image/jpeg")
    files = tmp_path / "export_Files"
    files.mkdir()
    (files / "pic-1A2B.png").write_bytes(image_bytes(3))
    (files / "my pic-3C4D.jpg").write_bytes(image_bytes(4, "JPEG"))
    export = tmp_path / "export.json"
    export.write_text(json.dumps(discord_doc(site)))

    items = list(DiscordExportSource(export, policy=policy).iter_sync())
    found = {m.filename: m for m in media(items)}
    assert set(found) == {"pic.png", "my pic.jpg", "remote.png", "thumb.jpg"}
    local = found["pic.png"]
    assert local.found_at == "https://discord.com/channels/111/222/1001"
    assert local.path is not None and local.read() == image_bytes(3)
    assert local.poster == "perp_handle" and local.poster_id == "9001"
    assert local.note == "nickname: Perp" and local.container == "Leaks / #pics"
    assert local.posted_at == datetime(2024, 4, 1, 1, 0, 0, 123000, tzinfo=UTC)
    assert local.group_id == "1001" and local.message_id == "1001"
    remote = found["remote.png"]
    assert remote.data == image_bytes(1) and remote.fetch is not None
    assert remote.url == site.url("/att/remote.png")
    assert remote.found_at == "https://discord.com/channels/111/222/1002"
    assert found["thumb.jpg"].media_type == "image/jpeg"

    reasons = {(f.message_id, f.reason) for f in failed(items)}
    assert reasons == {
        ("1002", FailureReason.REFUSED),
        ("1003", FailureReason.UNSAFE_PATH),
        ("1003", FailureReason.MISSING_FILE),
    }
    skipped = [i for i in items if isinstance(i, MediaSkipped)]
    assert [s.url for s in skipped] == [site.url("/att/archive.zip")]
    assert site.hits("/att/archive.zip") == 0


def test_discord_export_shape_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"messages": []}')
    with pytest.raises(SourceFormatError, match="DiscordChatExporter"):
        list(DiscordExportSource(bad).iter_sync())


def test_url_list_csv_with_context(site: Site, policy: FetchPolicy, tmp_path: Path) -> None:
    site.image("/direct.png", image_bytes(10))
    site.page("/host/view.html", '<html><img src="/host/file.jpg"></html>')
    site.image("/host/file.jpg", image_bytes(11, "JPEG"), content_type="image/jpeg")
    listing = tmp_path / "tips.csv"
    listing.write_text(
        "URL,page,poster,posted_at,note\n"
        f"{site.url('/direct.png')},https://forum.example/t/1,anon1,2024-03-01T12:00:00+09:00,"
        "tip line\n"
        f"{site.url('/host/view.html')},https://forum.example/t/2,anon2,2024-03-02T00:00:00,\n"
        f"{site.url('/gone.png')},,,,\n"
        f"{site.url('/direct.png')},,,yesterday,\n"
    )
    items = list(UrlListSource(listing, policy=policy).iter_sync())
    found = {m.url: m for m in media(items)}
    assert set(found) == {site.url("/direct.png"), site.url("/host/file.jpg")}
    direct = found[site.url("/direct.png")]
    assert direct.found_at == "https://forum.example/t/1" and direct.poster == "anon1"
    assert direct.posted_at == datetime(2024, 3, 1, 3, 0, tzinfo=UTC)
    assert direct.note == "tip line" and direct.source_kind == "url-list"
    via_page = found[site.url("/host/file.jpg")]
    assert via_page.found_at == site.url("/host/view.html")
    assert via_page.container == "https://forum.example/t/2" and via_page.poster == "anon2"
    assert via_page.posted_at == datetime(2024, 3, 2, tzinfo=UTC)
    assert {f.reason for f in failed(items)} == {
        FailureReason.HTTP_STATUS,
        FailureReason.BAD_RECORD,
    }


def test_url_list_txt_and_json(tmp_path: Path) -> None:
    txt = tmp_path / "l.txt"
    txt.write_text("# tips\nhttps://a.example/1.jpg\n\n  https://b.example/2  \n")
    assert [r.url for r in read_url_list(txt)] == ["https://a.example/1.jpg", "https://b.example/2"]
    js = tmp_path / "l.json"
    js.write_text(
        json.dumps({"urls": ["https://a.example/x", {"url": "https://b/y", "poster": "p"}, 5]})
    )
    rows = read_url_list(js)
    assert [(r.url, r.poster) for r in rows] == [
        ("https://a.example/x", None),
        ("https://b/y", "p"),
    ]
    bare = tmp_path / "l.csv"
    bare.write_text("https://a.example/1\nhttps://a.example/2\n")
    assert len(read_url_list(bare)) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("name,age\nx,1\n")
    with pytest.raises(SourceFormatError, match="url"):
        read_url_list(bad)


def test_chat_csv_kakao_style(site: Site, policy: FetchPolicy, tmp_path: Path) -> None:
    site.image("/c/1.png", image_bytes(20))
    site.page("/c/page.html", '<img src="/c/2.png">')
    site.image("/c/2.png", image_bytes(21))
    log = tmp_path / "KakaoTalk_Chat.csv"
    log.write_text(
        "Date,User,Message\n"
        f'2024-02-03 21:15:00,"판매자","새 자료 {site.url("/c/1.png")}, 그리고 '
        f'({site.url("/c/page.html")})."\n'
        "2024-02-03 21:16:00,구경꾼,ㅋㅋ 링크 없음\n"
        f"2024-02-03 21:17:00,판매자,{site.url('/c/404.png')}\n",
        encoding="utf-8-sig",
    )
    source = ChatCsvSource(log, timezone="Asia/Seoul", policy=policy)
    items = list(source.iter_sync())
    found = {m.url: m for m in media(items)}
    assert set(found) == {site.url("/c/1.png"), site.url("/c/2.png")}
    first = found[site.url("/c/1.png")]
    assert first.poster == "판매자" and first.source_kind == "chat-csv"
    assert first.posted_at == datetime(2024, 2, 3, 12, 15, tzinfo=UTC)
    assert first.found_at.endswith("#line=2") and first.container == "KakaoTalk_Chat.csv"
    assert found[site.url("/c/2.png")].found_at == site.url("/c/page.html")
    assert [f.reason for f in failed(items)] == [FailureReason.HTTP_STATUS]


def test_chat_helpers() -> None:
    assert urls_in("see https://x.example/a.jpg, and (http://y.example/b?c=1).") == [
        "https://x.example/a.jpg",
        "http://y.example/b?c=1",
    ]
    from zoneinfo import ZoneInfo

    seoul = ZoneInfo("Asia/Seoul")
    assert parse_chat_time("2024.02.03 09:00", seoul) == datetime(2024, 2, 3, 0, 0, tzinfo=UTC)
    assert parse_chat_time("2024-02-03T09:00:00Z", seoul) == datetime(2024, 2, 3, 9, tzinfo=UTC)
    assert parse_chat_time("어제", seoul) is None
