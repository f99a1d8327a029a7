"""Drills record their result with the date; health and metrics read a home as it is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from haechi.ops.backup import make_backup
from haechi.ops.doctor import Limits, diagnose
from haechi.ops.drill import last_drill, run_drill
from haechi.ops.health import liveness, readiness
from haechi.ops.keys import KeyPair
from haechi.ops.metrics import registry_for, render, timed_lookup
from haechi.settings import Settings
from haechi.store.database import open_database
from tests.ops.conftest import add_scan


def test_a_drill_restores_the_latest_chain_and_records_its_date(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    make_backup(home, tmp_path / "full.age")
    add_scan(home, tmp_path / "export-2", [1, 2], chat_id=1888)
    inc = make_backup(home, tmp_path / "inc.age", incremental=True)
    when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    result = run_drill(home, [keys.identity_file], now=when)
    assert result.ok, result.detail
    assert result.backup_id == inc.backup_id and "4 hits" in result.detail
    db = open_database(home)
    try:
        recorded = last_drill(db)
    finally:
        db.close()
    assert recorded is not None and recorded.ran_at == when and recorded.ok
    assert not list((home.home / ".ops-tmp").iterdir())  # the temporary home is gone


def test_a_drill_of_a_damaged_backup_is_recorded_as_failed(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    backup = make_backup(home, tmp_path / "b.age")
    data = bytearray(backup.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    backup.path.write_bytes(bytes(data))
    result = run_drill(home, [keys.identity_file])
    assert not result.ok and "is damaged" in result.detail
    codes = {f.code for f in diagnose(home, Limits(min_free_bytes=1)).findings}
    assert "drill-failed" in codes


def test_readiness_names_what_is_not_ready(home: Settings) -> None:
    assert liveness().ok and liveness().status_code == 200
    db = open_database(home)
    try:
        ready = readiness(db, home)
        assert ready.ok and ready.status_code == 200, ready.as_json()
        locked = readiness(db, home.model_copy(update={"key_passphrase": None}))
        assert locked.status_code == 503
        [failed] = [c for c in locked.checks if c.ok is False]
        assert failed.name == "signing-key" and "HAECHI_KEY_PASSPHRASE" in failed.detail
        log = home.home / "evidence/log.jsonl"
        log.write_bytes(log.read_bytes() + b"garbage\n")
        assert {c.name for c in readiness(db, home).checks if c.ok is False} == {"evidence-log"}
    finally:
        db.close()


def test_metrics_count_what_the_home_holds(tmp_path: Path, home: Settings, keys: KeyPair) -> None:
    make_backup(home, tmp_path / "b.age")
    db = open_database(home)
    try:
        with timed_lookup():
            pass
        body, content_type = render(registry_for(db))
    finally:
        db.close()
    assert content_type.startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    assert samples[("haechi_hits_total", ())] == 2
    assert samples[("haechi_captures_total", ())] == 2
    assert samples[("haechi_scans_total", ())] == 1
    assert samples[("haechi_lookup_seconds_count", ())] >= 1
    backup_at = samples[("haechi_last_success_timestamp_seconds", (("job", "backup"),))]
    assert abs(backup_at - datetime.now(UTC).timestamp()) < 3600
