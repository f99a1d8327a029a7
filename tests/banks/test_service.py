from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.postgres import stored_bytes

from haechi.banks.service import export_bank, import_bank, register_files
from haechi.errors import BankError
from haechi.hashing.signals import SignalKind
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database


def test_register_keeps_signals_not_files(
    db: Database, settings: Settings, make_photo: Callable[..., Path]
) -> None:
    path = make_photo(1, name="Kim Jiyoung private.jpg")
    [result] = register_files(db, settings, "victims", [path], case_ref="C-1")
    assert result.entry is not None and result.warning is None
    picture = {k for k in SignalKind if not k.is_video and k is not SignalKind.VORB}
    assert {s.kind for s in result.entry.signals} == picture
    assert result.entry.label == ""  # a file name never becomes a label
    raw = stored_bytes(db.url)
    assert b"Kim Jiyoung" not in raw
    assert path.read_bytes()[:64] not in raw


def test_low_quality_is_kept_and_flagged(db: Database, settings: Settings, tmp_path: Path) -> None:
    from PIL import Image

    flat = tmp_path / "flat.png"
    Image.new("RGB", (64, 64), (128, 128, 128)).save(flat)
    [result] = register_files(db, settings, "b", [flat])
    assert result.warning is not None and "below 50" in result.warning
    assert result.entry is not None
    pdq = next(s for s in result.entry.signals if s.kind is SignalKind.PDQ)
    assert pdq.quality is not None and pdq.quality < 50


def test_undecodable_file_registers_exact_digests(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    junk = tmp_path / "clip.jpg"
    junk.write_bytes(b"\x00" * 100)
    [result] = register_files(db, settings, "b", [junk])
    assert result.entry is not None and result.warning is not None
    assert {s.kind for s in result.entry.signals} == {SignalKind.MD5, SignalKind.SHA256}


def test_withdraw_deletes_hashes_for_good(
    db: Database, settings: Settings, make_photo: Callable[..., Path]
) -> None:
    [result] = register_files(db, settings, "b", [make_photo(2)])
    assert result.entry is not None
    pdq_hex = result.entry.signals[0].value
    with db.session() as session:
        gone = BankStore(session).withdraw(result.entry.id)
    assert gone.withdrawn_at is not None and gone.signals == ()
    with db.session() as session:
        store = BankStore(session)
        assert list(store.entries("b")) == []
        assert store.pdq_signals() == []
        with pytest.raises(BankError, match="already withdrawn"):
            store.withdraw(result.entry.id)
    assert pdq_hex not in export_bank(db, "b", "hma")


def test_unknown_bank_and_duplicate_names(db: Database) -> None:
    with db.session() as session:
        store = BankStore(session)
        with pytest.raises(BankError, match="no bank named"):
            store.get("nope")
        store.create("one")
    with db.session() as session, pytest.raises(BankError, match="already exists"):
        BankStore(session).create("one")


def test_export_import_between_organisations(
    db: Database, settings: Settings, make_photo: Callable[..., Path], tmp_path: Path
) -> None:
    register_files(db, settings, "ours", [make_photo(3), make_photo(4)], label="김지영 set A")
    for fmt in ("hma", "json", "csv"):
        text = export_bank(db, "ours", fmt)
        assert "김지영" not in text  # labels stay home unless asked for
        imported = import_bank(db, f"theirs-{fmt}", text, fmt)
        expected = 6 if fmt == "hma" else 2
        assert len(imported) == expected
        labelled = export_bank(db, "ours", fmt, with_labels=True)
        again = import_bank(db, f"labelled-{fmt}", labelled, None, name=f"bank.{fmt}")
        assert {e.label for e in again} == ({""} if fmt == "hma" else {"김지영 set A"})
    hma = export_bank(db, "ours", "hma").splitlines()
    assert sorted({line.split()[0] for line in hma}) == ["pdq", "photo_md5", "photo_sha256"]
    with db.session() as session:
        store = BankStore(session)
        ours = {
            s
            for e in store.entries("ours")
            for s in e.signals
            if s.kind.value in {"pdq", "md5", "sha256"}
        }
        theirs = {s for e in store.entries("theirs-hma") for s in e.signals}
        assert {e.label for e in store.entries("theirs-json")} == {""}
    assert {(s.kind, s.value) for s in theirs} == {(s.kind, s.value) for s in ours}


def test_a_vpdq_feature_file_imports_without_naming_its_format(
    db: Database, tmp_path: Path
) -> None:
    pdq = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
    text = "# clip.mp4\n" + "".join(f"{n},100,{pdq},{n:.3f}\n" for n in range(4))
    [entry] = import_bank(db, "partner", text, None, label="from a partner", name="clip.txt")
    assert [s.kind for s in entry.signals] == [SignalKind.VPDQ]
    assert export_bank(db, "partner", "vpdq") == text.partition("\n")[2]
