"""A saved index of a former file format is rebuilt from the banks, never misread."""

from __future__ import annotations

from pathlib import Path

import pytest

from haechi.banks.service import register_files
from haechi.index import persist
from haechi.platform_api import snapshot
from haechi.scan.index_cache import load_range_index
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.testkit.photos import registered_photos


def test_index_of_a_former_format_is_rebuilt(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "coffee.png"
    registered_photos()["coffee"].save(path)
    register_files(db, settings, "victims", [path])
    index, cached = load_range_index(db, settings)
    assert not cached
    saved = settings.home / "index" / "pdq.mih"
    data = bytearray(saved.read_bytes())
    data[8:10] = (persist.FORMAT_VERSION - 1).to_bytes(2, "little")  # as the former haechi wrote
    saved.write_bytes(bytes(data))
    rebuilt, cached = load_range_index(db, settings)
    assert not cached and len(rebuilt) == len(index)
    assert persist.read_index(saved).n == len(index)  # rewritten in the current format
    assert load_range_index(db, settings)[1]


def test_platform_snapshot_of_a_former_format_is_rebuilt(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform API's snapshot names its index format in its fingerprint, so a generation
    an older haechi wrote is replaced rather than loaded (which would refuse it)."""
    folder = tmp_path / "snapshot"
    folder.mkdir()
    monkeypatch.setattr(snapshot, "INDEX_FORMAT", persist.FORMAT_VERSION - 1)
    old = snapshot.build_snapshot(db, folder, 50)
    mih = folder / f"g-{old}.mih"
    data = bytearray(mih.read_bytes())
    data[8:10] = (persist.FORMAT_VERSION - 1).to_bytes(2, "little")
    mih.write_bytes(bytes(data))
    monkeypatch.undo()
    new = snapshot.build_snapshot(db, folder, 50)
    assert new != old
    loaded = snapshot.load_snapshot(folder)
    assert loaded is not None and loaded.fingerprint == new
