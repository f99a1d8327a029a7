"""Rotation seals everything under a new key, renews the blind index, and drops the old key;
a rotation stopped halfway is finished by running it again."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from haechi.audit.trail import AuditKind, events
from haechi.cases.personal import find_cases, read_personal
from haechi.crypto import DataKey, DataKeyError, FileKeyProvider
from haechi.crypto.envelope import key_id_of
from haechi.crypto.rotation import key_status, rotate
from haechi.crypto.vault import engine_vault
from haechi.members.model import Actor
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database, open_database
from tests.crypto.conftest import LABEL, NOW, write_world

CONSOLE = Actor.console()


def sealed_key_ids(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        blobs = conn.execute(
            text("SELECT sealed FROM entry_labels UNION ALL SELECT sealed FROM case_personal")
        ).all()
    return {key_id_of(bytes(b)) for (b,) in blobs}


def test_rotation_reseals_everything_and_the_old_key_is_not_needed(
    sdb: Database, sealed_settings: Settings, key_file: Path
) -> None:
    entry_id = write_world(sdb, "C-1")
    write_world(sdb, "C-2")
    old_doc = json.loads(key_file.read_text())
    old_key = old_doc["keys"][old_doc["current"]]
    assert sealed_key_ids(sdb) == {old_doc["current"]}
    report = rotate(sdb, engine_vault(sdb.engine), CONSOLE, now=NOW)
    assert (report.labels, report.personal, report.resumed) == (2, 2, False)
    assert report.retired == (old_doc["current"],) and report.key_id != old_doc["current"]
    doc = json.loads(key_file.read_text())
    assert list(doc["keys"]) == [report.key_id] == [doc["current"]]
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert sealed_key_ids(sdb) == {report.key_id}
    with sdb.session() as session:
        [rotated] = events(session, kind=AuditKind.DATA_KEY_ROTATED)
        assert rotated.detail["key"] == report.key_id
    sdb.close()

    db = open_database(sealed_settings)  # the new key file alone
    try:
        with db.session() as session:
            assert BankStore(session).entry(entry_id).label == LABEL
            assert read_personal(session, CONSOLE, "C-2", now=NOW).data is not None
            assert find_cases(session, CONSOLE, "01098765432", now=NOW) == ["C-1", "C-2"]
    finally:
        db.close()
    only_old = Settings(home=sealed_settings.home, workers=1, data_key=old_key)  # type: ignore[arg-type]
    db = open_database(only_old)
    try:
        with db.session() as session, pytest.raises(DataKeyError, match="sealed under"):
            BankStore(session).entry(entry_id)
    finally:
        db.close()


def test_a_rotation_stopped_halfway_is_finished_by_running_it_again(
    sdb: Database, key_file: Path
) -> None:
    write_world(sdb, "C-1")
    # Stopped right after the new key was made: both keys in the file, values under the old.
    ring = FileKeyProvider(key_file).begin_rotation()
    assert len(ring.keys) == 2
    vault = engine_vault(sdb.engine)
    vault.reload()
    status = key_status(sdb, vault)
    assert status.rotating and status.by_key[ring.retiring[0]] == 2
    report = rotate(sdb, vault, CONSOLE, now=NOW)
    assert report.resumed and report.key_id == ring.current.id
    assert report.retired == tuple(ring.retiring)
    assert sealed_key_ids(sdb) == {ring.current.id}
    assert list(json.loads(key_file.read_text())["keys"]) == [ring.current.id]
    again = rotate(sdb, vault, CONSOLE, now=NOW)  # a fresh rotation: yet another key
    assert not again.resumed and again.key_id != report.key_id


def test_keys_from_the_environment_rotate_when_the_new_one_is_put_first(tmp_path: Path) -> None:
    old, new = (base64.b64encode(DataKey.generate().secret).decode() for _ in range(2))
    settings = Settings(home=tmp_path / "home", workers=1, data_key=old)  # type: ignore[arg-type]
    db = open_database(settings)
    write_world(db)
    with pytest.raises(DataKeyError, match="add a new key as the current one"):
        rotate(db, engine_vault(db.engine), CONSOLE, now=NOW)
    db.close()
    both = Settings(home=settings.home, workers=1, data_key=f"{new},{old}")  # type: ignore[arg-type]
    db = open_database(both)
    try:
        report = rotate(db, engine_vault(db.engine), CONSOLE, now=NOW)
        assert report.resumed and report.key_id == DataKey.from_base64(new, "new").id
        assert "remove the other keys" in report.still_to_do
        assert sealed_key_ids(db) == {report.key_id}
    finally:
        db.close()
