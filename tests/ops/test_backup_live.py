"""Backups of a home in use: during a running scan, and killed (SIGKILL) halfway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from haechi.ops.backup import latest_backup, make_backup
from haechi.ops.keys import KeyPair
from haechi.ops.restore import restore_backup, verify_backup
from haechi.settings import Settings
from haechi.store.database import open_database
from tests.ops.conftest import dump

ROOT = Path(__file__).resolve().parents[2]


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT)


def _wait_for(path: Path, proc: subprocess.Popen[bytes], predicate: str = "") -> str:
    for _ in range(6000):
        if path.exists() and (text := path.read_text()) and text != predicate:
            return text
        assert proc.poll() is None, "the worker stopped early"
        time.sleep(0.02)
    raise AssertionError(f"{path} never appeared")


def _captures_in_log(home: Path) -> set[str]:
    import json

    lines = (home / "evidence/log.jsonl").read_bytes().splitlines()
    return {json.loads(x)["subject"] for x in lines if json.loads(x)["kind"] == "captured"}


def test_a_backup_during_a_running_scan_restores_consistently(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    worker = _spawn("-m", "tests.ops.busy_worker", str(tmp_path))
    try:
        first_round = _wait_for(tmp_path / "rounds", worker)
        full = make_backup(home, tmp_path / "full.age")
        _wait_for(tmp_path / "rounds", worker, first_round)
        inc = make_backup(home, tmp_path / "inc.age", incremental=True)
    finally:
        (tmp_path / "stop").write_text("stop")
        assert worker.wait(timeout=300) == 0
    assert inc.log_entries > full.log_entries

    for files, name in (([full.path], "a"), ([inc.path, full.path], "b")):
        report = verify_backup(files, [keys.identity_file])
        assert report.passed, report.failures()
        target = tmp_path / f"restored-{name}"
        restore_backup(files, [keys.identity_file], target)
        db = open_database(
            Settings(home=target, database_url=f"sqlite:///{target / 'haechi.db'}", workers=1)
        )
        try:
            with db.engine.connect() as conn:
                from sqlalchemy import text

                named = {r[0] for r in conn.execute(text("SELECT capture_id FROM hit_captures"))}
        finally:
            db.close()
        assert named and named <= _captures_in_log(target)
    # After the scans stop, a new backup reaches everything they did.
    last = make_backup(home, tmp_path / "last.age", incremental=True)
    target = tmp_path / "restored-last"
    restore_backup([last.path, inc.path, full.path], [keys.identity_file], target)
    assert dump(target / "haechi.db") == dump(home.home / "haechi.db")


def test_a_backup_killed_halfway_leaves_no_file_taken_for_a_backup(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    out = tmp_path / "backups" / "b.age"
    out.parent.mkdir()
    worker = _spawn("-m", "tests.ops.backup_worker", str(tmp_path), str(out))
    _wait_for(tmp_path / "halfway", worker)
    partials = list(out.parent.glob("b.age.*.partial"))
    assert len(partials) == 1  # the stream is being written there, under another name
    os.kill(worker.pid, signal.SIGKILL)
    assert worker.wait(timeout=60) == -signal.SIGKILL

    assert not out.exists()
    assert list(out.parent.iterdir()) == partials  # only the .partial, which nothing reads
    db = open_database(home)
    try:
        assert latest_backup(db) is None
    finally:
        db.close()

    done = make_backup(home, out)
    assert verify_backup([done.path], [keys.identity_file]).passed
