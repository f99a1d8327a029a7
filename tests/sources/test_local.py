"""Folder and Telegram Desktop export sources, on exports built here in the real format."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from haechi.sources.errors import SourceError, SourceFormatError, UnsafePath
from haechi.sources.folder import FolderSource
from haechi.sources.paths import resolve_inside
from haechi.sources.records import FailureReason, Item, Media, MediaFailure, MediaSkipped
from haechi.sources.telegram_export import TelegramExportSource
from tests.sources.sitekit import image_bytes

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
T0 = 1_700_000_000


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def message(mid: int, ts: int, sender: str = "Perp", **extra: Any) -> dict[str, Any]:
    when = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    base = {
        "id": mid,
        "type": "message",
        "date": when,
        "date_unixtime": str(ts),
        "from": sender,
        "from_id": f"user{abs(hash(sender)) % 10_000}",
        "text": "",
        "text_entities": [],
    }
    return base | extra


def chat_messages(prefix: str = "") -> list[dict[str, Any]]:
    p = prefix
    return [
        {"id": 1, "type": "service", "date": "2023-11-14T22:13:20", "date_unixtime": str(T0),
         "actor": "Admin", "actor_id": "user1", "action": "create_channel", "text": ""},
        message(2, T0 + 10, text="hello"),
        # an album of three photos: same sender, same second
        message(3, T0 + 20, photo=f"{p}photos/photo_1@14-11-2023_22-13-40.jpg",
                width=64, height=48),
        message(4, T0 + 20, photo=f"{p}photos/photo_2@14-11-2023_22-13-40.jpg",
                width=64, height=48),
        message(5, T0 + 20, file=f"{p}video_files/clip.mp4", media_type="video_file",
                mime_type="video/mp4", duration_seconds=3),
        message(6, T0 + 30, photo=f"{p}photos/photo_3@14-11-2023_22-13-50.jpg",
                forwarded_from="Old Channel"),
        message(7, T0 + 40, photo=NOT_INCLUDED),
        message(8, T0 + 50, photo="../../../etc/passwd"),
        message(9, T0 + 60, photo=f"{p}photos/gone.jpg"),
        message(10, T0 + 70, file=f"{p}files/notes.pdf", mime_type="application/pdf"),
        message(11, T0 + 80, sender="Other", photo=f"{p}photos/photo_4@14-11-2023_22-14-40.jpg"),
        message(12, T0 + 80, sender="Other", file=NOT_INCLUDED, media_type="video_file",
                mime_type="video/mp4"),
        message(13, T0 + 90, photo="/etc/hosts"),
    ]  # fmt: skip


def media_files(folder: Path) -> None:
    write(folder / "photos/photo_1@14-11-2023_22-13-40.jpg", image_bytes(1, "JPEG"))
    write(folder / "photos/photo_2@14-11-2023_22-13-40.jpg", image_bytes(2, "JPEG"))
    write(folder / "photos/photo_3@14-11-2023_22-13-50.jpg", image_bytes(3, "JPEG"))
    write(folder / "photos/photo_4@14-11-2023_22-14-40.jpg", image_bytes(4, "JPEG"))
    write(folder / "video_files/clip.mp4", b"\0\0\0\x18ftypisom\0\0\0\0isommp41" + b"\0" * 64)
    write(folder / "files/notes.pdf", b"%PDF-1.4\n")


@pytest.fixture
def single_chat(tmp_path: Path) -> Path:
    folder = tmp_path / "ChatExport_2023-11-15"
    media_files(folder)
    doc = {"name": "leak room", "type": "private_supergroup", "id": 1234567890,
           "messages": chat_messages()}  # fmt: skip
    write(folder / "result.json", json.dumps(doc, ensure_ascii=False).encode())
    (tmp_path / "secret.jpg").write_bytes(image_bytes(99, "JPEG"))
    return folder


def by_id(items: list[Item]) -> dict[str | None, Item]:
    return {i.message_id: i for i in items}


def test_single_chat_export(single_chat: Path) -> None:
    items = list(TelegramExportSource(single_chat).iter_sync())
    got = by_id(items)
    assert set(got) == {"3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"}

    album = [got[m] for m in ("3", "4", "5")]
    assert all(isinstance(m, Media) for m in album)
    first = album[0]
    assert isinstance(first, Media)
    assert {m.group_id for m in album if isinstance(m, Media)} == {"1234567890:3"}
    assert first.found_at == "https://t.me/c/1234567890/3"
    assert first.container == "leak room" and first.container_id == "1234567890"
    assert first.poster == "Perp" and first.poster_id and first.poster_id.startswith("user")
    assert first.posted_at == datetime.fromtimestamp(T0 + 20, UTC)
    assert first.path is not None and first.read() == image_bytes(1, "JPEG")
    assert first.media_type == "image/jpeg" and first.source_kind == "telegram-export"
    video = got["5"]
    assert isinstance(video, Media) and video.media_type == "video/mp4"

    forwarded = got["6"]
    assert isinstance(forwarded, Media) and forwarded.forwarded_from == "Old Channel"
    assert forwarded.group_id is None
    other = got["11"]  # an album with message 12, whose video was not exported
    assert isinstance(other, Media) and other.group_id == "1234567890:11"

    def reason(mid: str) -> FailureReason:
        item = got[mid]
        assert isinstance(item, MediaFailure), item
        return item.reason

    assert reason("7") == FailureReason.NOT_EXPORTED
    assert reason("12") == FailureReason.NOT_EXPORTED
    assert reason("8") == FailureReason.UNSAFE_PATH
    assert reason("13") == FailureReason.UNSAFE_PATH
    assert reason("9") == FailureReason.MISSING_FILE
    assert isinstance(got["10"], MediaSkipped)


def test_symlink_out_of_the_export_is_refused(single_chat: Path) -> None:
    link = single_chat / "photos" / "photo_1@14-11-2023_22-13-40.jpg"
    link.unlink()
    link.symlink_to(single_chat.parent / "secret.jpg")
    got = by_id(list(TelegramExportSource(single_chat / "result.json").iter_sync()))
    item = got["3"]
    assert isinstance(item, MediaFailure) and item.reason == FailureReason.UNSAFE_PATH


def test_whole_account_export(tmp_path: Path) -> None:
    folder = tmp_path / "DataExport"
    media_files(folder / "chats" / "chat_001")
    doc = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "Analyst"},
        "chats": {"about": "...", "list": [
            {"name": "room A", "type": "public_channel", "id": 42,
             "messages": chat_messages("chats/chat_001/")},
            {"name": "Saved Messages", "type": "saved_messages", "id": 1, "messages": []},
        ]},
        "left_chats": {"about": "...", "list": [
            {"name": "room B", "type": "private_group", "id": 77, "messages": [
                message(1, T0, photo="chats/chat_001/photos/photo_4@14-11-2023_22-14-40.jpg")]},
        ]},
    }  # fmt: skip
    write(folder / "result.json", json.dumps(doc).encode())
    items = list(TelegramExportSource(folder).iter_sync())
    found = [i for i in items if isinstance(i, Media)]
    assert len(found) == 6
    assert found[0].found_at == "https://t.me/c/42/3"
    assert found[-1].found_at == "telegram-export:77/1" and found[-1].container == "room B"


def test_not_an_export_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"result\.json"):
        list(TelegramExportSource(tmp_path).iter_sync())
    write(tmp_path / "result.json", b"{not json")
    with pytest.raises(SourceFormatError):
        list(TelegramExportSource(tmp_path).iter_sync())
    write(tmp_path / "result.json", b'{"hello": 1}')
    with pytest.raises(SourceFormatError):
        list(TelegramExportSource(tmp_path).iter_sync())


def test_malformed_messages_do_not_crash(tmp_path: Path) -> None:
    doc = {"name": "x", "type": "personal_chat", "id": 5, "messages": [
        "junk", 7, None, {"type": "message"}, {"type": "message", "id": "x", "photo": "a.jpg"},
        {"type": "message", "id": 3, "photo": 12}, {"type": "message", "id": 4, "photo": ""},
        {"type": "message", "id": 6, "photo": "photos/\x00.jpg", "date_unixtime": "soon"},
    ]}  # fmt: skip
    write(tmp_path / "result.json", json.dumps(doc).encode())
    items = list(TelegramExportSource(tmp_path).iter_sync())
    assert all(isinstance(i, MediaFailure) for i in items)
    assert {i.reason for i in items if isinstance(i, MediaFailure)} == {
        FailureReason.BAD_RECORD,
        FailureReason.UNSAFE_PATH,
    }


@pytest.mark.parametrize(
    "bad", ["../x.jpg", "photos/../../x.jpg", "/etc/passwd", "C:\\Windows\\x.jpg", "a\x00b", ""]
)
def test_resolve_inside_refuses_escapes(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsafePath):
        resolve_inside(tmp_path, bad)


def test_folder_source(tmp_path: Path) -> None:
    root = tmp_path / "dump"
    write(root / "a.jpg", image_bytes(1, "JPEG"))
    write(root / "sub" / "deeper" / "b.dat", image_bytes(2))  # a PNG with a wrong name
    write(root / "sub" / "c.mp4.txt", b"\x1a\x45\xdf\xa3" + b"\0" * 20 + b"webm")
    write(root / "readme.txt", b"hello")
    outside = write(tmp_path / "outside" / "x.jpg", image_bytes(3, "JPEG"))
    os.symlink(outside, root / "link-out.jpg")
    os.symlink(tmp_path / "outside", root / "dir-out")
    os.symlink(root / "sub", root / "sub-again")  # inside: followed, but visited once
    os.symlink(root, root / "sub" / "loop")

    items = list(FolderSource(root).iter_sync())
    found = {i.filename: i for i in items if isinstance(i, Media)}
    assert set(found) == {"a.jpg", "b.dat", "c.mp4.txt"}
    assert found["b.dat"].media_type == "image/png"
    assert found["c.mp4.txt"].media_type == "video/webm"
    assert found["a.jpg"].found_at.startswith("file://") and found["a.jpg"].data is None
    refused = [i for i in items if isinstance(i, MediaFailure)]
    assert {i.path.name for i in refused if i.path} == {"link-out.jpg", "dir-out"}
    assert all(i.reason == FailureReason.UNSAFE_PATH for i in refused)
    assert [i.path.name for i in items if isinstance(i, MediaSkipped) and i.path] == ["readme.txt"]


def test_folder_source_needs_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        list(FolderSource(tmp_path / "missing").iter_sync())
