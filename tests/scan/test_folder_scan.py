from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image
from tests.conftest import photo

from haechi.banks.service import register_files
from haechi.scan.pipeline import Scanner
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.scans import ScanStore


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    (inbox / "nested").mkdir(parents=True)
    original = photo(10, (640, 480))
    original.resize((320, 240), Image.Resampling.LANCZOS).save(inbox / "small.jpg", quality=70)
    original.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(inbox / "nested/mirror.png")
    original.transpose(Image.Transpose.ROTATE_90).save(inbox / "nested/turned.webp")
    for seed in range(20, 26):
        photo(seed).save(inbox / f"other-{seed}.jpg")
    (inbox / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    (inbox / "notes.txt").write_text("not an image")
    (inbox / "empty.png").write_bytes(b"")
    return inbox


def test_scan_finds_altered_copies_and_records_outcomes(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "orig.png"
    photo(10, (640, 480)).save(source)
    [reg] = register_files(db, settings, "victims", [source], label="v1")
    assert reg.entry is not None
    inbox = _inbox(tmp_path)

    report = Scanner(db, settings).scan_folder(inbox)
    assert report.seen == 12
    assert (report.hashed, report.failed, report.skipped) == (9, 1, 2)
    found = {Path(h.location).name: h for h in report.hits}
    assert set(found) == {"small.jpg", "mirror.png", "turned.webp"}
    assert all(h.entry == reg.entry.id and h.bank == "victims" for h in found.values())
    assert all(h.distance <= settings.pdq_radius for h in found.values())
    [failure] = report.failures
    assert Path(failure.location).name == "broken.jpg"
    assert "damaged image" in (failure.reason or "")

    with db.session() as session:
        stored = ScanStore(session).hits(scan_id=report.scan_id)
    assert {h.id for h in stored} == {h.id for h in report.hits}


def test_rescan_skips_files_already_seen(
    db: Database, settings: Settings, tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    inbox = tmp_path / "inbox"
    for seed in range(3):
        make_photo(seed, folder=inbox)
    first = Scanner(db, settings).scan_folder(inbox)
    assert first.hashed == 3
    (inbox / "copy.jpg").write_bytes((inbox / "photo-0.jpg").read_bytes())
    make_photo(9, folder=inbox)
    second = Scanner(db, settings).scan_folder(inbox)
    assert (second.seen, second.skipped, second.hashed) == (5, 4, 1)


def test_exact_copy_of_low_quality_image_is_found(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    flat = tmp_path / "flat.png"
    Image.new("RGB", (80, 80), (30, 30, 30)).save(flat)
    register_files(db, settings, "b", [flat])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "same.png").write_bytes(flat.read_bytes())
    Image.new("RGB", (80, 80), (31, 31, 31)).save(inbox / "similar-flat.png")
    report = Scanner(db, settings).scan_folder(inbox)
    assert [(Path(h.location).name, h.signal_kind) for h in report.hits] == [("same.png", "sha256")]


def test_withdrawn_entries_no_longer_match(
    db: Database, settings: Settings, tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    from haechi.store.banks import BankStore

    path = make_photo(5)
    [reg] = register_files(db, settings, "b", [path])
    assert reg.entry is not None
    with db.session() as session:
        BankStore(session).withdraw(reg.entry.id)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    photo(5).save(inbox / "reupload.png")
    assert Scanner(db, settings).scan_folder(inbox).hits == []


def test_process_pool_gives_the_same_hits(db: Database, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", workers=2)
    source = tmp_path / "orig.png"
    photo(10, (640, 480)).save(source)
    register_files(db, settings, "victims", [source])
    report = Scanner(db, settings).scan_folder(_inbox(tmp_path))
    assert {Path(h.location).name for h in report.hits} == {
        "small.jpg",
        "mirror.png",
        "turned.webp",
    }
    assert report.failed == 1


def test_known_bytes_at_a_new_place_are_a_new_hit(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    from haechi.testkit.photos import registered_photos

    source = tmp_path / "orig.png"
    registered_photos()["rocket"].save(source)
    register_files(db, settings, "victims", [source])
    first = tmp_path / "site-a"
    first.mkdir()
    registered_photos()["rocket"].save(first / "leak.jpg", quality=80)
    [hit] = Scanner(db, settings).scan_folder(first).hits

    second = tmp_path / "site-b"
    second.mkdir()
    (second / "same-file.jpg").write_bytes((first / "leak.jpg").read_bytes())
    report = Scanner(db, settings).scan_folder(second)
    assert (report.hashed, report.skipped) == (0, 1)  # not hashed again
    [again] = report.hits
    assert (again.entry, again.distance, again.sha256) == (hit.entry, hit.distance, hit.sha256)
    assert again.location.endswith("same-file.jpg")
    assert Scanner(db, settings).scan_folder(second).hits == []  # same place: nothing new
