"""``doctor`` on a healthy home finds nothing; on homes broken in a dozen ways it names each."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from haechi.ops.backup import make_backup
from haechi.ops.doctor import Diagnosis, Limits, diagnose
from haechi.ops.drill import run_drill
from haechi.ops.keys import add_home_recipient, generate_identity
from haechi.settings import Settings
from haechi.store.models import utcnow
from tests.ops.conftest import home_settings, make_home

ROOMY = Limits(min_free_bytes=1)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with sealed evidence, a backup and a good drill: nothing to report."""
    root = tmp_path_factory.mktemp("healthy")
    settings = make_home(root, [1, 2])
    pair = generate_identity(root / "id.txt")
    add_home_recipient(settings.home, pair.recipient)
    make_backup(settings, root / "b.age")
    assert run_drill(settings, [pair.identity_file]).ok
    return root


def _copy(healthy: Path, tmp_path: Path) -> Settings:
    shutil.copytree(healthy / "home", tmp_path / "home", symlinks=True)
    return home_settings(tmp_path)


def _sql(settings: Settings, statement: str) -> None:
    conn = sqlite3.connect(settings.home / "haechi.db")
    with conn:
        conn.execute(statement)
    conn.close()


def _an_object(settings: Settings) -> Path:
    return sorted(p for p in (settings.home / "evidence/objects").rglob("*") if p.is_file())[0]


def _alter_log(settings: Settings) -> None:
    path = settings.home / "evidence/log.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    entry = json.loads(lines[0])
    entry["time"] = "2020-01-01T00:00:00.000000Z"
    lines[0] = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    path.write_bytes(b"".join(lines))


def _alter_checkpoint(settings: Settings) -> None:
    path = settings.home / "evidence/log.checkpoints.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    cp = json.loads(lines[-1])
    cp["root_hash"] = "0" * 64
    lines[-1] = json.dumps(cp).encode() + b"\n"
    path.write_bytes(b"".join(lines))


def _flip_object(settings: Settings) -> None:
    path = _an_object(settings)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


Break = Callable[[Settings], Settings | None]

BREAKS: dict[str, Break] = {
    "home-permissions": lambda s: os.chmod(s.home, 0o755),
    "database-unreadable": lambda s: (s.home / "haechi.db").write_bytes(b"not a database" * 99),
    "database-missing": lambda s: (s.home / "haechi.db").unlink(),
    "schema-behind": lambda s: _sql(s, "UPDATE alembic_version SET version_num = '0010'"),
    "schema-ahead": lambda s: _sql(s, "UPDATE alembic_version SET version_num = '0999'"),
    "signing-key-missing": lambda s: (s.home / "evidence/signing-key.pem").unlink(),
    "signing-key-locked": lambda s: s.model_copy(update={"key_passphrase": None}),
    "log-damaged": _alter_log,
    "checkpoint-bad": _alter_checkpoint,
    "objects-missing": lambda s: _an_object(s).unlink(),
    "objects-damaged": _flip_object,
    "index-stale": lambda s: (s.home / "index/pdq.json").write_text('{"count": 99}'),
    "drill-failed": lambda s: _sql(
        s,
        "INSERT INTO restore_drills (ran_at, path, ok, detail) "
        "VALUES ('2099-01-01 00:00:00', 'x.age', 0, 'backup x.age is damaged')",
    ),
    "backup-none": lambda s: _sql(s, "DELETE FROM backups"),
    "backup-recipients-missing": lambda s: (s.home / "backup-recipients.txt").unlink(),
}


def test_a_healthy_home_has_nothing_to_report(healthy: Path, tmp_path: Path) -> None:
    report = diagnose(_copy(healthy, tmp_path), ROOMY)
    assert report.findings == [] and report.healthy
    assert any("evidence log verifies" in h for h in report.held)


def _codes(report: Diagnosis) -> set[str]:
    return {f.code for f in report.findings}


@pytest.mark.parametrize("code", sorted(BREAKS))
def test_each_way_of_breaking_a_home_is_named_with_what_to_do(
    healthy: Path, tmp_path: Path, code: str
) -> None:
    settings = _copy(healthy, tmp_path)
    changed = BREAKS[code](settings)
    if isinstance(changed, Settings):
        settings = changed
    report = diagnose(settings, ROOMY)
    assert code in _codes(report), [f.as_json() for f in report.findings]
    finding = next(f for f in report.findings if f.code == code)
    assert finding.action and finding.problem
    assert report.healthy == all(f.severity == "warning" for f in report.findings)


def test_low_disk_space_and_old_backups_and_drills_are_named(healthy: Path, tmp_path: Path) -> None:
    settings = _copy(healthy, tmp_path)
    later = utcnow() + timedelta(days=60)
    report = diagnose(settings, Limits(min_free_bytes=1 << 62), later)
    assert {"disk-space", "backup-old", "drill-old"} <= _codes(report)
    assert not report.healthy  # almost no space is an error


def test_doctor_changes_nothing(healthy: Path, tmp_path: Path) -> None:
    settings = _copy(healthy, tmp_path)
    _sql(settings, "UPDATE alembic_version SET version_num = '0010'")
    log = settings.home / "evidence/log.jsonl"
    log.write_bytes(log.read_bytes() + b'{"torn')
    before = {p: p.read_bytes() for p in settings.home.rglob("*") if p.is_file()}
    report = diagnose(settings, ROOMY)
    assert {"schema-behind", "log-torn"} <= _codes(report)
    assert "log-damaged" not in _codes(report)
    after = {p: p.read_bytes() for p in before}  # SQLite may add its -shm beside the file
    assert after == before
