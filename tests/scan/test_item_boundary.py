"""A scan survives anything one item can do, and records every other hit.

Each test puts one hostile or broken item among re-uploads of a registered photo, in a real
folder, export or site, and checks that the scan ends normally, the broken item is a recorded
failure with its reason, and every re-upload is a recorded hit.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
from collections.abc import AsyncIterator, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text
from tests.conftest import photo
from tests.sources.sitekit import Route, Site, serve

from haechi.banks.service import register_files
from haechi.errors import HaechiError
from haechi.scan.hashing_pool import HashingPool
from haechi.scan.intake import source_options
from haechi.scan.pipeline import Scanner, hash_options
from haechi.settings import Settings
from haechi.sources import Item, Media, Source, open_source
from haechi.sources.base import LocalSource
from haechi.store.database import Database, open_database
from haechi.store.scans import ScanStore


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def reupload(n: int) -> bytes:
    """A re-upload of the registered photo: resized and re-encoded, different bytes each ``n``."""
    return jpeg(photo(10, (640, 480)).resize((320 - 4 * n, 240 - 3 * n)), quality=70 + n)


@pytest.fixture
def entry(db: Database, settings: Settings, tmp_path: Path) -> int:
    original = tmp_path / "registered.png"
    photo(10, (640, 480)).save(original)
    [reg] = register_files(db, settings, "victims", [original], label="v")
    assert reg.entry is not None
    return reg.entry.id


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def stored_locations(db: Database) -> set[str]:
    with db.session() as session:
        return {h.location for h in ScanStore(session).hits()}


def test_a_site_with_hostile_charsets_is_scanned_with_every_hit(
    site: Site, db: Database, settings: Settings, entry: int
) -> None:
    hostile = ["idna", "punycode", "undefined", "rot13", "base64", "utf-7", "hex_codec"]
    links = []
    for n, name in enumerate(hostile):
        site.image(f"/m/{n}.jpg", reupload(n), content_type="image/jpeg")
        site.routes[f"/meta/{n}"] = Route(f'<meta charset="{name}"><img src="/m/{n}.jpg">'.encode())
        site.routes[f"/head/{n}"] = Route(b"<p>x</p>", content_type=f"text/html; charset={name}")
        links.append(f'<a href="/meta/{n}">m</a><a href="/head/{n}">h</a>')
    site.routes["/"] = Route("".join(links).encode(), content_type="text/html; charset=idna")
    options = source_options(settings, ["127.0.0.1"])
    source = open_source(site.url("/"), None, options)
    report = Scanner(db, settings).scan_source(source, site.url("/"))
    assert {h.location for h in report.hits} == {site.url(f"/m/{n}.jpg") for n in range(7)}
    assert report.failed == 0 and all(h.entry == entry for h in report.hits)


def test_a_folder_with_loops_fifos_and_dangling_links(
    db: Database, settings: Settings, entry: int, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "a").mkdir(parents=True)
    (inbox / "a" / "copy.jpg").write_bytes(reupload(1))
    (inbox / "copy.jpg").write_bytes(reupload(2))
    (inbox / "a" / "up").symlink_to("..")
    (inbox / "loop").symlink_to("loop")
    (inbox / "dangling.jpg").symlink_to(inbox / "nothing.jpg")
    os.mkfifo(inbox / "pipe.jpg")
    report = Scanner(db, settings).scan_folder(inbox)
    names = sorted(Path(h.location).name for h in report.hits)
    assert names == ["copy.jpg", "copy.jpg"]
    assert (report.hashed, report.failed, report.skipped) == (2, 2, 1)
    reasons = {Path(f.location).name: f.reason or "" for f in report.failures}
    assert set(reasons) == {"loop", "dangling.jpg"}
    assert "symbolic links" in reasons["loop"] and "No such file" in reasons["dangling.jpg"]


def test_a_relative_home_and_a_relative_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(home=Path("haechi-data"), workers=1)
    db = open_database(settings)
    try:
        photo(10, (640, 480)).save("registered.png")
        register_files(db, settings, "victims", [Path("registered.png")], label="v")
        inbox = Path("haechi-data") / "demo" / "inbox"
        (inbox / "sub").mkdir(parents=True)
        (inbox / "sub" / "copy.jpg").write_bytes(reupload(3))
        report = Scanner(db, settings).scan_folder(inbox)
        [hit] = report.hits
        assert hit.location == str(tmp_path / inbox / "sub" / "copy.jpg")
        assert hit.container == "sub"
        again = Scanner(db, settings).scan_source(open_source("./haechi-data/demo/inbox"), ".")
        assert again.hits == [] and again.skipped == 1  # the same file at the same place
    finally:
        db.close()


def test_a_file_name_that_is_not_utf8_is_a_recorded_hit(
    db: Database, settings: Settings, entry: int, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = os.fsdecode(b"\xff\xfe victim \xe9.jpg")
    (inbox / name).write_bytes(reupload(4))
    report = Scanner(db, settings).scan_folder(inbox)
    [hit] = report.hits
    assert hit.location.endswith("\\xff\\xfe victim \\xe9.jpg")
    assert stored_locations(db) == {hit.location}


def export_with(folder: Path, data: bytes, chat_id: int = 1234567890) -> Path:
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "photo_1.jpg").write_bytes(data)
    doc = {"name": "room", "type": "private_supergroup", "id": chat_id, "messages": [
        {"id": 2, "type": "message", "date_unixtime": "1700000000", "from": "perp",
         "from_id": "user5", "photo": "photos/photo_1.jpg"}]}  # fmt: skip
    (folder / "result.json").write_text(json.dumps(doc))
    return folder


def test_a_telegram_message_is_one_sighting_wherever_its_export_lies(
    db: Database, settings: Settings, entry: int, tmp_path: Path
) -> None:
    first = export_with(tmp_path / "Downloads" / "ChatExport", reupload(5))
    scanner = Scanner(db, settings)
    [hit] = scanner.scan_source(open_source(str(first)), str(first)).hits
    assert hit.found_in == "https://t.me/c/1234567890/2"
    copy = tmp_path / "case-files" / "ChatExport (copy)"
    shutil.copytree(first, copy)
    assert scanner.scan_source(open_source(str(copy)), str(copy)).hits == []
    unzipped = export_with(tmp_path / "elsewhere", reupload(5))  # unpacked again, same bytes
    assert scanner.scan_source(open_source(str(unzipped)), str(unzipped)).hits == []
    other_room = export_with(tmp_path / "other-room", reupload(5), chat_id=99)
    [again] = scanner.scan_source(open_source(str(other_room)), str(other_room)).hits
    assert again.found_in == "https://t.me/c/99/2"  # another message: another sighting
    assert len(stored_locations(db)) == 2


def test_a_discord_message_is_one_sighting_wherever_its_export_lies(
    db: Database, settings: Settings, entry: int, tmp_path: Path
) -> None:
    first = tmp_path / "one"
    (first / "export_Files").mkdir(parents=True)
    (first / "export_Files" / "pic.jpg").write_bytes(reupload(6))
    doc = {"guild": {"id": "11", "name": "g"}, "channel": {"id": "22", "name": "c"},
           "messages": [{"id": "33", "author": {"name": "p"},
                         "attachments": [{"url": "export_Files/pic.jpg"}]}]}  # fmt: skip
    (first / "export.json").write_text(json.dumps(doc))
    scanner = Scanner(db, settings)
    [hit] = scanner.scan_source(open_source(str(first / "export.json")), "one").hits
    assert hit.found_in == "https://discord.com/channels/11/22/33"
    shutil.copytree(first, tmp_path / "two")
    assert scanner.scan_source(open_source(str(tmp_path / "two" / "export.json")), "x").hits == []


def test_a_chat_log_link_is_one_sighting_wherever_the_log_lies(
    site: Site, db: Database, settings: Settings, entry: int, tmp_path: Path
) -> None:
    site.image("/up/1.jpg", reupload(7), content_type="image/jpeg")
    log = "date,user,message\n2026-11-01 10:00,perp,look " + site.url("/up/1.jpg") + "\n"
    options = source_options(settings, ["127.0.0.1"])
    scanner = Scanner(db, settings)
    for n, folder in enumerate(("kakao", "copy-of-kakao")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "chat.csv").write_text(log)
        source = open_source(str(tmp_path / folder / "chat.csv"), None, options)
        hits = scanner.scan_source(source, folder).hits
        assert [h.location for h in hits] == ([site.url("/up/1.jpg")] if n == 0 else [])


class _Breaks(LocalSource):
    """A source that gives some media, then fails the way a bug would (or a HaechiError)."""

    kind = "folder"

    def __init__(self, items: list[Item], error: Exception) -> None:
        self.given = items
        self.error = error

    def iter_items(self) -> Iterator[Item]:
        yield from self.given
        raise self.error


def _media(tmp_path: Path, count: int) -> list[Item]:
    out: list[Item] = []
    for n in range(count):
        path = tmp_path / f"in-{n}.jpg"
        path.write_bytes(reupload(10 + n))
        out.append(Media("folder", path.as_uri(), path=path))
    return out


def test_a_source_that_breaks_part_way_keeps_what_it_gave(
    db: Database, settings: Settings, entry: int, tmp_path: Path
) -> None:
    source = _Breaks(_media(tmp_path, 3), RecursionError("maximum recursion depth exceeded"))
    report = Scanner(db, settings).scan_source(source, str(tmp_path))
    assert len(report.hits) == 3 and len(stored_locations(db)) == 3
    [failure] = report.failures
    assert failure.location == str(tmp_path)
    assert failure.reason == (
        "the folder source stopped: RecursionError: maximum recursion depth exceeded"
    )


def test_a_source_error_part_way_records_the_hits_then_raises(
    db: Database, settings: Settings, entry: int, tmp_path: Path
) -> None:
    source = _Breaks(_media(tmp_path, 2), HaechiError("the export went away"))
    with pytest.raises(HaechiError, match="went away"):
        Scanner(db, settings).scan_source(source, str(tmp_path))
    assert len(stored_locations(db)) == 2
    with db.session() as session:
        [scan] = session.execute(text("SELECT finished_at, hits_found FROM scans")).all()
    assert scan.finished_at is not None and scan.hits_found == 2


class _Fetched(Source):
    """Fetched media as a site would give them; one with a URL no database can store."""

    kind = "web"

    def __init__(self, items: list[Media]) -> None:
        self.given = items

    async def items(self) -> AsyncIterator[Item]:
        for item in self.given:
            yield item


def test_an_item_that_cannot_be_recorded_fails_alone(
    db: Database, settings: Settings, entry: int
) -> None:
    good = [
        Media("web", f"https://site.example/p{n}", data=reupload(20 + n),
              url=f"https://site.example/m/{n}.jpg")
        for n in range(3)
    ]  # fmt: skip
    bad = Media("web", "https://site.example/px", data=reupload(30),
                url="https://site.example/m/\udc80.jpg")  # fmt: skip
    report = Scanner(db, settings).scan_source(_Fetched([good[0], bad, *good[1:]]), "site")
    assert {h.location for h in report.hits} == {g.url for g in good}
    assert stored_locations(db) == {g.url for g in good}
    [failure] = report.failures
    assert failure.reason is not None and failure.reason.startswith("UnicodeEncodeError")
    assert (report.hashed, report.failed) == (3, 1)


def test_a_dead_hashing_worker_fails_no_item(settings: Settings, tmp_path: Path) -> None:
    paths = []
    for n in range(10):
        path = tmp_path / f"{n}.jpg"
        path.write_bytes(reupload(n))
        paths.append(path)
    with HashingPool(hash_options(settings, False), workers=2) as pool:
        executor = pool._pool()
        pids = {executor.submit(os.getpid).result() for _ in range(8)}
        for pid in pids:  # what the OOM killer or a decoder crash does to a worker
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            executor.submit(int).result()  # wait until the pool knows it is broken
        results = list(pool.hash_all(paths))
    assert len(results) == 10
    assert all(not isinstance(r, str) and r.error is None for r in results)
