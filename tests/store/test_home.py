"""HAECHI_HOME is private: 0700, every file 0600 whatever the umask, and looser modes are named."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.log import EntryKind
from haechi.evidence.signing import generate_key
from haechi.scan.index_cache import load_range_index
from haechi.settings import Settings
from haechi.store.database import open_database
from haechi.store.home import home_problems, prepare_home, private_umask, secure_home


@pytest.fixture
def lax_umask() -> Iterator[None]:
    """The usual umask (022), so the modes below come from haechi, not from the test runner."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only
def test_a_new_home_and_everything_written_in_it_are_private(
    tmp_path: Path, lax_umask: None
) -> None:
    settings = Settings(home=tmp_path / "new" / "home", workers=1)
    db = open_database(settings)
    try:
        load_range_index(db, settings)  # writes the index file and its fingerprint
        home = settings.home
        assert _mode(home) == 0o700
        assert (home / "haechi.db-wal").exists()  # SQLite's WAL files follow the database
        key = generate_key(tmp_path / "keys" / "org.pem")
        locker = EvidenceLocker(home / "evidence", key=key, checkpoint_every=1)
        digest = locker.store.put(b"a page")
        locker.log.append(EntryKind.CAPTURED, "cap-1", [digest], {})
        locker.checkpoint()
        files = [p for p in home.rglob("*") if p.is_file()]
        names = {p.name for p in files}
        assert {"haechi.db", "haechi.db-wal", "haechi.db-shm", "log.jsonl"} <= names
        assert {"pdq.mih", "pdq.json"} <= names
        assert any(p.parent.parent.name == "objects" for p in files)
        assert {str(p): oct(_mode(p)) for p in files if _mode(p) != 0o600} == {}
        assert home_problems(home) == []
    finally:
        db.close()


def test_looser_modes_are_named_and_can_be_tightened(tmp_path: Path, lax_umask: None) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    (home / "haechi.db").write_bytes(b"")
    os.chmod(home / "haechi.db", 0o644)
    (home / "evidence").mkdir()
    (home / "evidence" / "log.jsonl").write_bytes(b"")
    os.chmod(home / "evidence" / "log.jsonl", 0o600)
    (home / "link").symlink_to("/etc/passwd")  # never followed, never reported
    problems = home_problems(home)
    assert len(problems) == 2
    assert "0755" in problems[0] and "chmod 700" in problems[0]
    assert "haechi.db is mode 0644" in problems[1] and "log.jsonl" not in problems[1]
    assert secure_home(home) >= 2
    assert home_problems(home) == []
    assert _mode(home) == 0o700 and _mode(home / "haechi.db") == 0o600
    assert _mode(Path("/etc/passwd")) & 0o004  # the link's target was left alone


def test_many_loose_files_are_summed_up(tmp_path: Path, lax_umask: None) -> None:
    prepare_home(tmp_path / "home")
    for n in range(30):
        (tmp_path / "home" / f"f{n}").write_bytes(b"")
    (problem,) = home_problems(tmp_path / "home", limit=5)
    assert "and 25 more" in problem


def test_an_existing_home_is_left_as_it_is_and_a_missing_one_has_no_problems(
    tmp_path: Path, lax_umask: None
) -> None:
    assert home_problems(tmp_path / "absent") == []
    existing = tmp_path / "shared"
    existing.mkdir(mode=0o750)
    os.chmod(existing, 0o750)
    prepare_home(existing)
    assert _mode(existing) == 0o750  # not changed behind the owner's back: warned about
    assert "0750" in home_problems(existing)[0]


def test_the_private_umask_covers_files_haechi_does_not_create_itself(
    tmp_path: Path, lax_umask: None
) -> None:
    old = private_umask()
    try:
        (tmp_path / "any.json").write_text("{}")
        assert _mode(tmp_path / "any.json") == 0o600
    finally:
        os.umask(old)
