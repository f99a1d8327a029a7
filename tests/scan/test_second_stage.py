"""The second matching stage through the real scan path: register, scan a folder, read hits.

Every edit PDQ misses (crops, captions, screenshots, stickers, small rotations) must be found
on the real testkit photos, saved as JPEG the way re-uploads are; unrelated images put through
the same edits must not match anything; and the new signals must survive export, import and
withdrawal. ``bench/robustness.py`` measures the same on more pictures and 500 unrelated images.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from haechi.banks.formats import parse_entries
from haechi.banks.service import export_bank, import_bank, register_files
from haechi.hashing import SignalKind
from haechi.hashing.geometry import MIN_INLIERS, VERIFY_RADIUS
from haechi.scan.matcher import BankMatcher, Match
from haechi.scan.pipeline import Scanner, hash_options
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database
from haechi.store.scans import ScanStore
from haechi.testkit import TRANSFORMS, lossless_bytes, registered_photos, unrelated_images

# Found for every photo (the bench measures 1.0 on 24 pictures).
ALWAYS = (
    "crop-5",
    "crop-10-corner",
    "caption-top",
    "caption-bottom",
    "screenshot",
    "sticker",
    "rotate-5",
    "rotate-minus-5",
)
# Found for most photos (the issue asks for half; the bench measures about 0.9).
MOSTLY = ("crop-25", "crop-25-corner")


@pytest.fixture
def registered(db: Database, settings: Settings, tmp_path: Path) -> dict[str, int]:
    """Every testkit photo registered in bank ``victims``: photo name to entry id."""
    folder = tmp_path / "originals"
    folder.mkdir()
    paths = {}
    for name, image in registered_photos().items():
        paths[name] = folder / f"{name}.png"
        image.save(paths[name])
    done = register_files(db, settings, "victims", list(paths.values()))
    ids = {}
    for name, result in zip(paths, done, strict=True):
        assert result.entry is not None and result.warning is None, name
        ids[name] = result.entry.id
    return ids


def _write_copies(folder: Path, transforms: tuple[str, ...]) -> None:
    folder.mkdir(parents=True)
    for name, image in registered_photos().items():
        for transform in transforms:
            copy = TRANSFORMS[transform](image).convert("RGB")
            copy.save(folder / f"{transform}+{name}.jpg", quality=90)


def test_edits_pdq_misses_are_found_by_a_scan(
    db: Database, settings: Settings, registered: dict[str, int], tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    _write_copies(inbox, ALWAYS + MOSTLY)
    report = Scanner(db, settings).scan_folder(inbox)
    assert report.failed == 0
    own: dict[str, set[str]] = {}
    for hit in report.hits:
        transform, name = Path(hit.location).stem.split("+")
        if hit.entry == registered[name]:
            own.setdefault(transform, set()).add(name)
            assert hit.signal_kind in {"pdq", "pdq-crop", "orb"}
            assert hit.distance <= VERIFY_RADIUS
    for transform in ALWAYS:
        missed = set(registered) - own.get(transform, set())
        assert not missed, f"{transform}: missed {sorted(missed)}"
    for transform in MOSTLY:
        assert len(own.get(transform, set())) >= 6, f"{transform}: found {own.get(transform)}"
    with db.session() as session:
        kinds = {h.signal_kind for h in ScanStore(session).hits(scan_id=report.scan_id)}
    assert {"orb", "pdq-crop"} <= kinds


def test_unrelated_images_edited_the_same_way_match_nothing(
    db: Database, settings: Settings, registered: dict[str, int], tmp_path: Path
) -> None:
    # 25 pictures through four edits each (bench/robustness.py measures 500 through all).
    inbox = tmp_path / "unrelated"
    inbox.mkdir()
    for k, item in enumerate(unrelated_images(25, seed=3)):
        for transform in ("screenshot", "caption-bottom", "crop-10", "rotate-5"):
            TRANSFORMS[transform](item.image).convert("RGB").save(inbox / f"{k}-{transform}.png")
    report = Scanner(db, settings).scan_folder(inbox)
    assert report.hashed == 100
    assert report.hits == []


def test_a_local_match_carries_its_evidence(
    db: Database, settings: Settings, registered: dict[str, int]
) -> None:
    matcher = BankMatcher.load(db, settings)
    turned = TRANSFORMS["rotate-5"](registered_photos()["coffee"])
    from haechi.hashing import hash_bytes

    media = hash_bytes(lossless_bytes(turned), hash_options(settings, True))
    [best, *_] = matcher.match([media])[0]
    assert best.entry_id == registered["coffee"]
    assert best.signal_kind is SignalKind.ORB
    assert best.inliers is not None and best.inliers >= MIN_INLIERS
    assert best.coverage is not None and 0.8 <= best.coverage <= 1.0
    assert best.region is not None
    assert 0.5 < best.confidence < 1.0
    assert Match.exact(1, SignalKind.SHA256).confidence == 1.0
    assert Match.pdq(1, SignalKind.PDQ, 0).confidence > Match.pdq(1, SignalKind.PDQ, 30).confidence


def test_new_signals_survive_export_and_import(
    db: Database, settings: Settings, registered: dict[str, int], tmp_path: Path
) -> None:
    hma = export_bank(db, "victims", "hma")
    assert "orb" not in hma and "pdq-crop" not in hma
    assert {line.split()[0] for line in hma.splitlines()} == {"pdq", "photo_md5", "photo_sha256"}
    for fmt in ("json", "csv"):
        default = parse_entries(export_bank(db, "victims", fmt), fmt)[0]
        assert SignalKind.ORB not in [s.kind for s in default.signals]  # stays home by default
        text = export_bank(db, "victims", fmt, with_local_features=True)
        [first, *_] = parse_entries(text, fmt)
        kinds = [s.kind for s in first.signals]
        assert SignalKind.ORB in kinds and SignalKind.PDQ_CROP in kinds
        import_bank(db, f"partner-{fmt}", text, fmt)
    with db.session() as session:
        store = BankStore(session)
        ours = {e.id: e.signals for e in store.entries("victims")}
        theirs = [e.signals for e in store.entries("partner-json")]
    assert sorted(map(sorted_signals, ours.values())) == sorted(map(sorted_signals, theirs))

    # A partner's copy of the bank finds a 25 % crop by local features alone.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    TRANSFORMS["crop-25"](registered_photos()["chelsea"]).save(inbox / "cut.png")
    report = Scanner(db, settings).scan_folder(inbox)
    banks = {h.bank for h in report.hits if h.signal_kind == "orb"}
    assert banks == {"victims", "partner-json", "partner-csv"}


def sorted_signals(signals: tuple[object, ...]) -> list[str]:
    return sorted(repr(s) for s in signals)


def test_files_from_before_the_second_stage_still_import(db: Database) -> None:
    old = {
        "format": "haechi.bank",
        "version": 1,
        "entries": [
            {
                "label": "2025 list",
                "signals": [
                    {"kind": "pdq", "value": "ab" * 32, "quality": 90},
                    {"kind": "md5", "value": "cd" * 16, "quality": None},
                ],
            }
        ],
    }
    [entry] = import_bank(db, "old", json.dumps(old), "json")
    assert [s.kind for s in entry.signals] == [SignalKind.PDQ, SignalKind.MD5]


def test_withdrawal_deletes_the_local_features_too(
    db: Database, settings: Settings, registered: dict[str, int]
) -> None:
    with db.session() as session:
        store = BankStore(session)
        assert len(store.feature_records()) == len(registered)
        for entry_id in registered.values():
            store.withdraw(entry_id)
    with db.session() as session:
        store = BankStore(session)
        assert store.feature_records() == [] and store.range_signals() == []
    assert len(BankMatcher.load(db, settings).local) == 0
