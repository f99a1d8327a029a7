"""Personal data and labels are sealed at rest: no plaintext in any file of the home, values
bound to their rows, a wrong key refused by name, old plaintext labels sealed at first open."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from haechi.audit.trail import AuditKind, events
from haechi.cases.personal import find_cases, read_personal, write_personal
from haechi.crypto import DataKey, DataKeyError, SealedDataError
from haechi.crypto.vault import data_key_warnings
from haechi.members.errors import NotAllowed
from haechi.members.model import Actor, Role
from haechi.scan.model import MatchDetail, Sighting
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database, open_database
from haechi.store.scans import ScanStore
from tests.crypto.conftest import LABEL, NAME, NOW, SECRETS, victim, write_world
from tests.postgres import stored_bytes

CONSOLE = Actor.console()


def every_file(folder: Path) -> list[Path]:
    return [Path(d) / f for d, _, files in os.walk(folder) for f in files]


def assert_no_plaintext(folder: Path, url: str) -> None:
    """Neither the home's files nor the database (wherever it is) hold a secret."""
    blobs = [(str(path), path.read_bytes()) for path in every_file(folder)]
    blobs.append((url.split("@")[-1], stored_bytes(url)))
    for where, data in blobs:
        for secret in SECRETS:
            for encoded in (secret.encode("utf-8"), secret.encode("utf-16-le")):
                assert encoded not in data, (where, secret)


def test_the_home_holds_no_plaintext(sdb: Database, sealed_settings: Settings) -> None:
    entry_id = write_world(sdb)
    with sdb.session() as session:
        assert BankStore(session).entry(entry_id).label == LABEL
        view = read_personal(session, CONSOLE, "C-2026-001", now=NOW)
    assert view.data == victim().checked()
    sdb.close()
    assert_no_plaintext(sealed_settings.home, sdb.url)
    raw = stored_bytes(sdb.url)
    assert NAME.encode() not in raw and LABEL.encode() not in raw
    key_file = sealed_settings.data_key_file
    assert key_file is not None and key_file.stat().st_mode & 0o777 == 0o600
    assert data_key_warnings(sealed_settings) == []


def test_a_default_key_inside_the_home_is_warned_about(settings: Settings, db: Database) -> None:
    write_world(db)
    key = settings.home / "keys" / "data.key"
    assert key.stat().st_mode & 0o777 == 0o600
    [warning] = data_key_warnings(settings)
    assert "inside HAECHI_HOME" in warning and "HAECHI_DATA_KEY_FILE" in warning
    db.close()
    everything_but_the_key = stored_bytes(db.url)
    assert NAME.encode() not in everything_but_the_key


def test_hits_and_exports_show_labels_opened(sdb: Database) -> None:
    entry_id = write_world(sdb)
    with sdb.session() as session:
        listed = list(BankStore(session).entries("victims"))
        assert [e.label for e in listed] == [LABEL]
        scans = ScanStore(session)
        scan_id = scans.start("/tmp/x", "folder")
        why = MatchDetail("sha256", 0)
        scans.add_hit(scan_id, entry_id, why, "ab" * 32, Sighting("/tmp/x/a.jpg"), NOW)
    with sdb.session() as session:
        [hit] = ScanStore(session).hits()
    assert hit.label == LABEL


def _swap(db: Database, table: str, key: str, a: int, b: int) -> None:
    with db.engine.begin() as conn:
        blob = conn.execute(text(f"SELECT sealed FROM {table} WHERE {key} = :a"), {"a": a})
        conn.execute(
            text(f"UPDATE {table} SET sealed = :blob WHERE {key} = :b"),
            {"blob": blob.scalar_one(), "b": b},
        )


def test_a_value_moved_to_another_row_does_not_open(sdb: Database) -> None:
    first = write_world(sdb, "C-1")
    second = write_world(sdb, "C-2")
    with sdb.session() as session:
        one, two = (BankStore(session).entry(i) for i in (first, second))
        assert one.label == two.label == LABEL
    _swap(sdb, "entry_labels", "entry_id", first, second)
    with sdb.session() as session, pytest.raises(SealedDataError, match="from another row"):
        BankStore(session).entry(second)
    with sdb.engine.connect() as conn:
        ids = {ref: id_ for ref, id_ in conn.execute(text("SELECT ref, id FROM cases"))}
    _swap(sdb, "case_personal", "case_id", ids["C-1"], ids["C-2"])
    with sdb.session() as session, pytest.raises(SealedDataError, match="case_personal"):
        read_personal(session, CONSOLE, "C-2", now=NOW)


def test_a_wrong_key_is_refused_by_name(tmp_path: Path, sealed_settings: Settings) -> None:
    db = open_database(sealed_settings)
    entry_id = write_world(db)
    db.close()
    other = Settings(
        home=sealed_settings.home,
        workers=1,
        data_key=base64.b64encode(DataKey.generate().secret).decode(),  # type: ignore[arg-type]
    )
    db = open_database(other)
    try:
        with db.session() as session, pytest.raises(DataKeyError, match="is sealed under data key"):
            BankStore(session).entry(entry_id)
        with db.session() as session, pytest.raises(DataKeyError, match="right key"):
            read_personal(session, CONSOLE, "C-2026-001", now=NOW)
    finally:
        db.close()
    missing = sealed_settings.model_copy(update={"data_key_file": tmp_path / "nowhere.key"})
    db = open_database(missing)
    try:
        with db.session() as session, pytest.raises(DataKeyError, match="no data key"):
            BankStore(session).entry(entry_id)
    finally:
        db.close()


def test_the_key_may_come_from_the_environment(tmp_path: Path) -> None:
    key = base64.b64encode(DataKey.generate().secret).decode()
    settings = Settings(home=tmp_path / "home", workers=1, data_key=key)  # type: ignore[arg-type]
    db = open_database(settings)
    entry_id = write_world(db)
    db.close()
    assert not (settings.home / "keys").exists()
    assert_no_plaintext(settings.home, db.url)
    db = open_database(settings)
    with db.session() as session:
        assert BankStore(session).entry(entry_id).label == LABEL
    db.close()


def test_old_plaintext_labels_are_sealed_at_first_open(sealed_settings: Settings) -> None:
    db = open_database(sealed_settings)
    entry_id = write_world(db)
    # As a haechi from before sealing wrote it: the label in bank_entries.label.
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM entry_labels"))
        conn.execute(
            text("UPDATE bank_entries SET label = :label WHERE id = :id"),
            {"label": LABEL, "id": entry_id},
        )
    db.close()
    assert LABEL.encode() in stored_bytes(db.url)
    db = open_database(sealed_settings)
    with db.session() as session:
        assert BankStore(session).entry(entry_id).label == LABEL
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT label FROM bank_entries")).all() == [("",)]
    db.close()
    assert_no_plaintext(sealed_settings.home, db.url)


def test_a_phone_number_finds_its_case_written_any_way(sdb: Database) -> None:
    write_world(sdb, "C-1")
    with sdb.session() as session:
        write_personal(
            session, CONSOLE, "C-1", victim(), now=NOW
        )  # rewriting keeps one digest per contact
        assert find_cases(session, CONSOLE, "01098765432", now=NOW) == ["C-1"]
        assert find_cases(session, CONSOLE, "+82 10 9876 5432", now=NOW) == ["C-1"]
        assert find_cases(session, CONSOLE, "zelmira.q@EXAMPLE.org", now=NOW) == ["C-1"]
        assert find_cases(session, CONSOLE, "010-0000-0000", now=NOW) == []
        kinds = [e.kind for e in events(session, kind=AuditKind.CASE_PERSONAL_SEARCHED)]
        assert len(kinds) == 4
        [searched] = events(session, kind=AuditKind.CASE_PERSONAL_SEARCHED, limit=1)
        assert "9876" not in str(searched.detail)


def test_only_liaisons_and_admins_see_personal_data(sdb: Database) -> None:
    write_world(sdb)
    analyst = Actor(7, "an-analyst", Role.ANALYST, "127.0.0.1")
    liaison = Actor(8, "a-liaison", Role.LIAISON, "127.0.0.1")
    with sdb.session() as session:
        with pytest.raises(NotAllowed):
            read_personal(session, analyst, "C-2026-001", now=NOW)
        with pytest.raises(NotAllowed):
            find_cases(session, analyst, "01098765432", now=NOW)
        seen = read_personal(session, liaison, "C-2026-001", now=NOW)
        assert seen.data is not None and seen.data.name.startswith(NAME)
        [viewed] = events(session, kind=AuditKind.CASE_PERSONAL_VIEWED, limit=1)
        assert viewed.actor_name == "a-liaison" and viewed.detail["case"] == "C-2026-001"
        assert NAME not in str(viewed.as_json())
