"""Retention: evidence kept until a case closes plus N days, or destroyed on the victim's
request; every destruction a signed tombstone, and the log still verifies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from haechi.cases.model import MemberKind
from haechi.evidence.locker import EvidenceLocker
from haechi.ops.backup import make_backup
from haechi.ops.checks import check_checkpoints, public_keys, replay_log
from haechi.ops.errors import RetentionError
from haechi.ops.keys import KeyPair
from haechi.ops.restore import restore_backup
from haechi.ops.retention import (
    close_case,
    policies,
    request_destruction,
    run_retention,
    set_keep_days,
)
from haechi.scan.preserve import evidence_config
from haechi.settings import Settings
from haechi.store.cases import CaseStore
from haechi.store.database import Database, open_database
from haechi.store.models import HitCaptureRow, utcnow


@pytest.fixture
def db(home: Settings) -> Iterator[Database]:
    """The home's database with two cases, C-1 holding hit 1 and C-2 hit 2."""
    database = open_database(home)
    now = utcnow()
    with database.session() as session:
        cases = CaseStore(session)
        for ref, hits in (("C-1", ["1"]), ("C-2", ["2"])):
            cases.create(now, ref)
            cases.add(ref, MemberKind.HIT, hits, now)
    yield database
    database.close()


def _capture_of(db: Database, hit_id: int) -> str:
    with db.session() as session:
        row = session.query(HitCaptureRow).filter_by(hit_id=hit_id).one()
        return row.capture_id


def _log_verifies(settings: Settings, locker: EvidenceLocker) -> int:
    folder = settings.home / "evidence"
    entries, chain = replay_log((folder / "log.jsonl").read_bytes())
    assert chain.ok, chain.detail
    assert locker.key is not None
    checks, last = check_checkpoints(
        entries,
        (folder / "log.checkpoints.jsonl").read_bytes(),
        public_keys([locker.key.public_pem]),
    )
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    assert last is not None and last.tree_size == len(entries)  # the tombstones are signed
    return len(entries)


def test_evidence_is_destroyed_n_days_after_the_case_closes(home: Settings, db: Database) -> None:
    locker = evidence_config(home).locker()
    capture = _capture_of(db, 1)
    warc = locker.get(capture).warc_sha256
    set_keep_days(db, "C-1", 30)
    closed = utcnow()
    close_case(db, "C-1", closed)

    early = run_retention(db, locker, closed + timedelta(days=29))
    assert early.cases == () and warc in locker.store

    report = run_retention(db, locker, closed + timedelta(days=31))
    [outcome] = report.cases
    assert (outcome.ref, outcome.why, outcome.destroyed) == (
        "C-1",
        "case closed + 30 days",
        (capture,),
    )
    assert locker.get(capture).destroyed and warc not in locker.store
    assert locker.get(_capture_of(db, 2)).destroyed is False
    [tombstone] = [e for e in locker.log.entries if e.kind.value == "destroyed"]
    assert tombstone.details["reason"] == "retention: case closed + 30 days"
    assert report.checkpoint_size == _log_verifies(home, locker)

    again = run_retention(db, locker, closed + timedelta(days=40))
    assert again.cases == ()
    [a, _] = policies(db)
    assert a.destroyed_at is not None


def test_a_victims_request_is_carried_out_at_the_next_run_without_its_words_in_the_log(
    home: Settings, db: Database
) -> None:
    locker = evidence_config(home).locker()
    request_destruction(db, "C-2", utcnow(), reason="she asked by phone on Monday")
    dry = run_retention(db, locker, utcnow(), dry_run=True)
    [planned] = dry.cases
    assert (
        planned.destroyed == (_capture_of(db, 2),)
        and not locker.get(planned.destroyed[0]).destroyed
    )

    [done] = run_retention(db, locker, utcnow()).cases
    assert done.why == "victim's request" and locker.get(done.destroyed[0]).destroyed
    assert b"phone" not in (home.home / "evidence/log.jsonl").read_bytes()
    _log_verifies(home, locker)


def test_a_capture_another_open_case_keeps_is_left_alone(home: Settings, db: Database) -> None:
    with db.session() as session:
        CaseStore(session).create(utcnow(), "C-3")
        CaseStore(session).add("C-3", MemberKind.HIT, ["1"], utcnow())
    locker = evidence_config(home).locker()
    request_destruction(db, "C-1", utcnow())
    [outcome] = run_retention(db, locker, utcnow()).cases
    capture = _capture_of(db, 1)
    assert outcome.destroyed == () and outcome.kept == {capture: "C-3"}
    assert not locker.get(capture).destroyed


def test_retention_without_the_signing_key_refuses(home: Settings, db: Database) -> None:
    locker = evidence_config(home.model_copy(update={"key_passphrase": None}))
    request_destruction(db, "C-1", utcnow())
    with pytest.raises(RetentionError, match="signing key"):
        run_retention(db, EvidenceLocker(locker.evidence_dir), utcnow())


def test_destroyed_evidence_stays_destroyed_when_an_older_backup_is_restored_with_a_newer(
    tmp_path: Path, home: Settings, db: Database, keys: KeyPair
) -> None:
    locker = evidence_config(home).locker()
    warc = locker.get(_capture_of(db, 1)).warc_sha256
    full = make_backup(home, tmp_path / "full.age")
    request_destruction(db, "C-1", utcnow())
    run_retention(db, locker, utcnow())
    inc = make_backup(home, tmp_path / "inc.age", incremental=True)
    target = tmp_path / "restored"
    restore_backup([inc.path, full.path], [keys.identity_file], target)
    assert not (target / "evidence/objects" / warc[:2] / warc[2:]).exists()
    assert (home.home / "evidence/objects").is_dir()
