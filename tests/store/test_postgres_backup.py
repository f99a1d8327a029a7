"""A team's PostgreSQL home backs up through ``pg_dump`` and restores through ``pg_restore``.

Run in the PostgreSQL pass (``--database=postgresql``): the home is made through the real
pipeline (photos registered, a Telegram export scanned and sealed), backed up, verified,
restored into an empty database, and the restored home exports evidence that verifies.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from tests.evidence.sealing_kit import register
from tests.ops.conftest import PASSPHRASE, add_scan
from tests.postgres import PostgresServer

from haechi.evidence.verify import verify_bundle
from haechi.ops.backup import make_backup
from haechi.ops.keys import add_home_recipient, generate_identity
from haechi.ops.restore import restore_backup, verify_backup
from haechi.scan.evidence_export import export_evidence
from haechi.scan.preserve import evidence_config
from haechi.settings import Settings
from haechi.store.database import open_database
from haechi.store.models import Base

SKIPPED = {"backups", "restore_drills"}  # the backup's own bookkeeping


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in Base.metadata.tables.items()
                if name not in SKIPPED
            }
    finally:
        engine.dispose()


def test_a_postgresql_home_is_dumped_restored_and_its_evidence_verifies(
    tmp_path: Path, postgres: PostgresServer | None
) -> None:
    if postgres is None:
        pytest.skip("a PostgreSQL home: run with --database=postgresql (make test does)")
    url = os.environ["HAECHI_DATABASE_URL"]  # this test's database (tests/conftest.py)
    settings = Settings(
        home=tmp_path / "home", workers=1, key_passphrase=PASSPHRASE, evidence_checkpoint_every=1
    )
    assert settings.resolved_database_url == url
    db = open_database(settings)
    try:
        register(db, settings, tmp_path, range(1, 3))
    finally:
        db.close()
    assert add_scan(settings, tmp_path / "export-1", [1, 2]) == 2
    keys = generate_identity(tmp_path / "backup-identity.txt")
    add_home_recipient(settings.home, keys.recipient)

    result = make_backup(settings, tmp_path / "b.age")
    report = verify_backup([result.path], [keys.identity_file])
    assert report.passed, report.failures()
    assert "pg_restore" in {c.name: c.detail for c in report.checks}["database"]

    restored_url = postgres.create(migrated=False)
    try:
        target = tmp_path / "restored"
        restore_backup([result.path], [keys.identity_file], target, database_url=restored_url)
        before = _counts(url)
        assert before["hits"] == 2 and before["hit_captures"] == 2
        assert _counts(restored_url) == before
        restored = Settings(
            home=target, database_url=restored_url, workers=1, key_passphrase=PASSPHRASE
        )
        db = open_database(restored)
        try:
            bundle = tmp_path / "after-restore.wacz"
            outcome = export_evidence(db, evidence_config(restored), ["1", "2"], bundle)
            assert not outcome.missing
        finally:
            db.close()
        assert verify_bundle(bundle, evidence_config(restored).own_key_ids()).passed
    finally:
        postgres.drop(restored_url)
