"""Export files made to break the reader: deep nesting, huge files, messages of the wrong shape.

Each gives a clear per-file error or a per-message failure, never ``RecursionError``, and the
messages beside a broken one are still read. Also: Discord stickers are media.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from haechi.sources.chat_csv import ChatCsvSource
from haechi.sources.detect import detect_kind, open_source
from haechi.sources.discord_export import DiscordExportSource
from haechi.sources.errors import SourceFormatError, UnknownSource
from haechi.sources.jsondoc import MAX_JSON_DEPTH, load_json, nesting_depth, parse_json
from haechi.sources.records import FailureReason, Item, Media, MediaFailure, MediaSkipped
from haechi.sources.safety import FetchPolicy
from haechi.sources.telegram_export import TelegramExportSource
from haechi.sources.url_list import UrlListSource, read_url_list
from tests.sources.sitekit import Site, image_bytes

DEEP = 200_000


def telegram_doc(messages: list[Any]) -> dict[str, Any]:
    return {"name": "room", "type": "private_supergroup", "id": 77, "messages": messages}


def photo_message(mid: int, photo: str = "photos/a.jpg", **extra: Any) -> dict[str, Any]:
    return {"id": mid, "type": "message", "date_unixtime": "1700000000", "from": "P",
            "from_id": "user1", "photo": photo} | extra  # fmt: skip


def discord_doc(messages: list[Any]) -> dict[str, Any]:
    return {"guild": {"id": "1", "name": "g"}, "channel": {"id": "2", "name": "c"},
            "messages": messages}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"[]", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'["[[[[", "]]]]]]]]", "{{{"]', 1),
        (b'["a\\"[[[", "\\\\", [["\\\\\\"]"]]]', 3),
        (b'"just a string with [ and {"', 0),
        (b"", 0),
        (b"[" * DEEP, DEEP),
        (b'"' + b'\\"' * 100_000, 0),  # an unterminated run of escaped quotes: linear, no hang
    ],
)
def test_nesting_depth(text: bytes, depth: int) -> None:
    assert nesting_depth(text) == depth


@pytest.mark.parametrize(
    "text",
    [b"[" * DEEP, b"[" * DEEP + b"]" * DEEP, b'{"a":' * DEEP + b"1" + b"}" * DEEP,
     b'{"messages": ' + b"[" * 5000 + b"]" * 5000 + b"}"],
)  # fmt: skip
def test_deep_json_is_a_clear_error_not_a_recursion(text: bytes) -> None:
    with pytest.raises(SourceFormatError, match=r"nested \d+ levels deep"):
        parse_json(text, "x.json")


def test_depth_at_the_limit_is_read() -> None:
    text = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert parse_json(text, "x.json") is not None


def test_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b"1," * 600 + b"1]")
    with pytest.raises(SourceFormatError, match="more than the 1000 haechi reads"):
        load_json(path, max_bytes=1000)
    assert len(load_json(path)) == 601


@pytest.mark.parametrize("deep", [b"[" * DEEP, b'{"messages": [' + b"{" * DEEP])
def test_deep_telegram_export(tmp_path: Path, deep: bytes) -> None:
    (tmp_path / "result.json").write_bytes(deep)
    with pytest.raises(SourceFormatError, match="levels deep"):
        list(TelegramExportSource(tmp_path).iter_sync())
    assert detect_kind(str(tmp_path)) == "telegram-export"  # the folder says so; reading fails
    with pytest.raises(UnknownSource):  # a file is detected by parsing it: within limits too
        detect_kind(str(tmp_path / "result.json"))


def test_deep_nesting_inside_one_message_field_is_refused_too(tmp_path: Path) -> None:
    nested: Any = "x"
    for _ in range(MAX_JSON_DEPTH + 5):
        nested = [nested]
    doc = telegram_doc([photo_message(2, **{"from": nested})])
    (tmp_path / "result.json").write_text(json.dumps(doc))
    with pytest.raises(SourceFormatError, match="levels deep"):
        list(TelegramExportSource(tmp_path).iter_sync())


def test_deep_discord_export(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(b'{"guild": {}, "channel": {}, "messages": [' + b"[" * DEEP)
    with pytest.raises(SourceFormatError, match="levels deep"):
        list(DiscordExportSource(path).iter_sync())
    with pytest.raises(UnknownSource):
        detect_kind(str(path))


def test_deep_url_list(tmp_path: Path) -> None:
    path = tmp_path / "links.json"
    path.write_bytes(b"[" * DEEP)
    with pytest.raises(SourceFormatError, match="levels deep"):
        read_url_list(path)


def test_a_telegram_message_that_breaks_the_reader_is_one_failure(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(image_bytes(1, "JPEG"))
    (tmp_path / "photos" / "b.jpg").write_bytes(image_bytes(2, "JPEG"))
    messages = [
        photo_message(2),
        photo_message(3, file_name={"not": "a string"}, photo="photos/b.jpg"),
        photo_message(4, date_unixtime=[1, 2], photo="photos/b.jpg"),
        photo_message(5, photo="photos/b.jpg", **{"from": {"deep": [[["ok"]]]}}),
        photo_message(6, photo="photos/" + "x" * 5000 + ".jpg"),  # ENAMETOOLONG on stat
    ]
    (tmp_path / "result.json").write_text(json.dumps(telegram_doc(messages)))
    items = {i.message_id: i for i in TelegramExportSource(tmp_path).iter_sync()}
    assert isinstance(items["2"], Media) and isinstance(items["4"], Media)
    assert isinstance(items["5"], Media) and items["5"].poster == "{'deep': [[['ok']]]}"
    assert isinstance(items["3"], Media)  # an odd file_name is text, not a crash
    failure = next(i for i in TelegramExportSource(tmp_path).iter_sync() if i.message_id is None)
    assert isinstance(failure, MediaFailure) and failure.reason is FailureReason.ERROR
    assert failure.detail.startswith("OSError") and "name too long" in failure.detail.lower()
    assert failure.found_at == "telegram-export:77#message=4"


def test_a_discord_message_that_breaks_the_reader_is_one_failure(tmp_path: Path) -> None:
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "ok.png").write_bytes(image_bytes(3))
    messages = [
        {"id": "10", "author": {"name": "a"}, "attachments": [{"url": "f/ok.png"}]},
        {"id": "11", "author": {"name": "b"}, "attachments": 7},  # not a list
        {"id": "12", "author": {"name": "c"}, "attachments": [{"url": "f/" + "y" * 5000}]},
        {"id": "13", "author": {"name": "d"}, "attachments": [{"url": "f/ok.png"}]},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(discord_doc(messages)))
    items = list(DiscordExportSource(path).iter_sync())
    found = {i.message_id for i in items if isinstance(i, Media)}
    assert found == {"10", "13"}
    errors = [i for i in items if isinstance(i, MediaFailure) and i.reason is FailureReason.ERROR]
    assert {e.found_at.rsplit("#", 1)[1] for e in errors} == {"message=1", "message=2"}
    assert errors[0].detail.startswith("TypeError")


def test_discord_stickers_are_media(site: Site, policy: FetchPolicy, tmp_path: Path) -> None:
    site.image("/stickers/900.png", image_bytes(5))
    (tmp_path / "export_Files").mkdir()
    (tmp_path / "export_Files" / "901-AB12.png").write_bytes(image_bytes(6))
    messages = [
        {"id": "20", "author": {"id": "1", "name": "perp"}, "timestamp": "2024-04-01T10:00:00Z",
         "stickers": [
             {"id": "900", "name": "re-upload", "format": "Png",
              "sourceUrl": site.url("/stickers/900.png")},
             {"id": "901", "name": "local", "format": "Apng",
              "sourceUrl": "export_Files/901-AB12.png"},
             {"id": "902", "name": "vector", "format": "Lottie",
              "sourceUrl": site.url("/stickers/902.json")},
             {"id": "903", "name": "no url", "format": "Png"},
         ]},
    ]  # fmt: skip
    path = tmp_path / "export.json"
    path.write_text(json.dumps(discord_doc(messages)))
    items: list[Item] = list(DiscordExportSource(path, policy=policy).iter_sync())
    found = {i.filename: i for i in items if isinstance(i, Media)}
    assert set(found) == {"900.png", "901-AB12.png"}
    remote = found["900.png"]
    assert remote.data == image_bytes(5) and remote.url == site.url("/stickers/900.png")
    assert remote.found_at == "https://discord.com/channels/1/2/20" and remote.poster == "perp"
    assert found["901-AB12.png"].read() == image_bytes(6)
    [lottie] = [i for i in items if isinstance(i, MediaSkipped)]
    assert "Lottie" in lottie.detail and site.hits("/stickers/902.json") == 0


def test_detection_and_open_source_use_the_same_limits(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(discord_doc([])))
    assert detect_kind(str(path)) == "discord-export"
    assert list(open_source(str(path)).iter_sync()) == []


def test_a_time_before_year_one_in_utc_stops_no_log(
    site: Site, policy: FetchPolicy, tmp_path: Path
) -> None:
    site.image("/a.png", image_bytes(7))
    site.image("/b.png", image_bytes(8))
    chat = tmp_path / "chat.csv"
    chat.write_text(
        "date,user,message\n"
        f"0001-01-01 00:30,p,{site.url('/a.png')}\n2024-01-01 09:00,q,{site.url('/b.png')}\n"
    )
    items = list(ChatCsvSource(chat, timezone="Asia/Seoul", policy=policy).iter_sync())
    times = {i.url: i.posted_at for i in items if isinstance(i, Media)}
    assert set(times) == {site.url("/a.png"), site.url("/b.png")}
    assert times[site.url("/a.png")] is None and times[site.url("/b.png")] is not None

    listed = tmp_path / "links.csv"
    listed.write_text(
        f"url,posted_at\n{site.url('/a.png')},0001-01-01T00:00:00+09:00\n{site.url('/b.png')},\n"
    )
    items = list(UrlListSource(listed, policy=policy).iter_sync())
    assert [i.url for i in items if isinstance(i, Media)] == [site.url("/b.png")]
    [bad] = [i for i in items if isinstance(i, MediaFailure)]
    assert bad.reason is FailureReason.BAD_RECORD and bad.url == site.url("/a.png")
