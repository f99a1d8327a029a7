"""The saved matching index is used only while it still describes the banks."""

from __future__ import annotations

from pathlib import Path

from haechi.banks.service import register_files
from haechi.scan.index_cache import load_range_index
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database
from haechi.testkit.photos import registered_photos


def _register(db: Database, settings: Settings, tmp_path: Path, name: str) -> int:
    path = tmp_path / f"{name}.png"
    registered_photos()[name].save(path)
    [reg] = register_files(db, settings, "victims", [path])
    assert reg.entry is not None
    return reg.entry.id


def test_saved_index_is_reused_until_banks_change(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    first = _register(db, settings, tmp_path, "coffee")
    index, cached = load_range_index(db, settings)
    assert not cached and len(index) > 0
    again, cached = load_range_index(db, settings)
    assert cached and len(again) == len(index)

    _register(db, settings, tmp_path, "rocket")
    grown, cached = load_range_index(db, settings)
    assert not cached and len(grown) > len(index)

    with db.session() as session:
        BankStore(session).withdraw(first)
    shrunk, cached = load_range_index(db, settings)
    assert not cached and len(shrunk) == len(grown) - len(index)
    assert load_range_index(db, settings)[1]


def test_damaged_or_missing_index_is_rebuilt(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    _register(db, settings, tmp_path, "chelsea")
    index, _ = load_range_index(db, settings)
    path = settings.home / "index" / "pdq.mih"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    rebuilt, cached = load_range_index(db, settings)
    assert not cached and len(rebuilt) == len(index)
    path.unlink()
    assert not load_range_index(db, settings)[1]


def test_quality_floor_is_part_of_the_fingerprint(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    _register(db, settings, tmp_path, "astronaut")
    load_range_index(db, settings)
    stricter = settings.model_copy(update={"pdq_min_quality": 99})
    assert not load_range_index(db, stricter)[1]
