"""What a backup takes from a home, taken so that the pieces agree while scans go on.

Order matters. The database is copied first, through its own online backup (SQLite's backup
API copies every page under one read lock; ``pg_dump`` takes one MVCC snapshot), so the copy
is one consistent moment even with a scan writing. Evidence is sealed before the database
names it (objects, then the log entry, then the row), so the log read *after* the database
copy holds everything the copy names. The log is taken up to a checkpoint signed now (when the
key opens), and the objects are those its entries name: content-addressed, they never change.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url

from haechi.evidence.errors import SigningKeyError
from haechi.evidence.keys import RETIRED_KEYS
from haechi.evidence.log import EntryKind, EvidenceLog, LogEntry, canonical_json
from haechi.evidence.signing import Checkpoint, is_encrypted, load_key
from haechi.evidence.store import FolderStore
from haechi.ops.errors import OpsError
from haechi.settings import Settings


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def copy_sqlite(source: Path, target: Path, standalone: bool = True) -> None:
    """Copy a live SQLite database with its online backup API (consistent, WAL included).

    A ``standalone`` copy is one file (rollback journal, not WAL), so reading it later makes
    no ``-wal``/``-shm`` files beside it.
    """
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            if standalone:
                dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise OpsError(f"cannot copy the database {source}: {exc}") from None
    finally:
        src.close()


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy URL as libpq's tools take it: the URL without driver and password, and an
    environment with the password in ``PGPASSWORD`` (a command line is visible in ``ps``)."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def dump_postgresql(url: str, target: Path) -> None:
    """``pg_dump`` a PostgreSQL database (custom format) into ``target``."""
    if shutil.which("pg_dump") is None:
        raise OpsError("backing up PostgreSQL needs pg_dump: install postgresql-client")
    dsn, env = libpq(url)
    done = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), dsn],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    if done.returncode != 0:
        raise OpsError(f"pg_dump failed: {done.stderr.strip()[:500]}")


def snapshot_database(url: str, folder: Path) -> tuple[str, Path]:
    """Copy the database into ``folder``; returns its kind (``sqlite``/``postgresql``) and file."""
    path = sqlite_path(url)
    if path is not None:
        if not path.is_file():
            raise OpsError(f"there is no database at {path} to back up")
        target = folder / "haechi.db"
        copy_sqlite(path, target)
        return "sqlite", target
    if make_url(url).get_backend_name() == "postgresql":
        target = folder / "haechi.pgdump"
        dump_postgresql(url, target)
        return "postgresql", target
    raise OpsError(f"backups support SQLite and PostgreSQL, not {make_url(url).drivername}")


@dataclass(frozen=True)
class EvidenceCut:
    """The evidence a backup takes: a prefix of the log, its checkpoints, keys, objects."""

    log: bytes
    entries: int
    checkpoints: bytes
    checkpoint: Checkpoint | None
    public_keys: dict[str, bytes]  # archive name -> PEM
    signing_key: bytes | None  # only an encrypted key file; never a plaintext key
    objects: dict[str, Path]  # digest -> file
    missing: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())


def live_objects(entries: list[LogEntry]) -> tuple[list[str], set[str]]:
    """Objects the entries name, in order, and those of them destroyed under retention."""
    named: dict[str, None] = {}
    destroyed: set[str] = set()
    for entry in entries:
        if entry.kind is EntryKind.CAPTURED:
            named.update(dict.fromkeys(entry.artifacts))
        elif entry.kind is EntryKind.DESTROYED:
            destroyed.update(entry.artifacts)
    return list(named), destroyed


def cut_evidence(settings: Settings) -> EvidenceCut:
    """Sign a checkpoint of the log now if the key opens, and take everything up to it."""
    folder = settings.home / "evidence"
    notes: list[str] = []
    if not (folder / "log.jsonl").exists():
        return EvidenceCut(b"", 0, b"", None, {}, None, {}, (), ("no evidence log yet",))
    log = EvidenceLog.open(folder / "log.jsonl")
    key_file = settings.evidence_key_file or folder / "signing-key.pem"
    secret = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    public_keys: dict[str, bytes] = {}
    signing_key: bytes | None = None
    checkpoint: Checkpoint | None = None
    if key_file.exists():
        try:
            key = load_key(key_file, secret)
        except SigningKeyError as exc:
            notes.append(f"no new checkpoint: {exc}")
        else:
            saved = log.checkpoints()
            if saved and saved[-1].tree_size == len(log) and saved[-1].key_id == key.key_id:
                checkpoint = saved[-1]  # nothing logged since: the last signature reaches it
            else:
                checkpoint = log.checkpoint(key, settings.evidence_origin)
                log.save_checkpoint(checkpoint)
            public_keys["evidence/public-key.pem"] = key.public_pem
        if is_encrypted(key_file):
            signing_key = key_file.read_bytes()
        else:
            notes.append(
                "the signing key is not encrypted, so it is not in the backup: keep a copy "
                "apart, or encrypt it (`haechi evidence encrypt-key`) to have it backed up"
            )
    else:
        notes.append(f"no signing key at {key_file}")
    log.refresh()
    saved = log.checkpoints()
    size = checkpoint.tree_size if checkpoint is not None else len(log)
    if checkpoint is None and saved:
        checkpoint = saved[-1]
    entries = list(log.entries[:size])
    kept = [c for c in saved if c.tree_size <= size]
    for pem in sorted((folder / RETIRED_KEYS).glob("*.pem")):
        public_keys[f"evidence/{RETIRED_KEYS}/{pem.name}"] = pem.read_bytes()
    store = FolderStore(folder / "objects")
    named, destroyed = live_objects(entries)
    objects: dict[str, Path] = {}
    missing: list[str] = []
    for digest in named:
        if digest in store:
            objects[digest] = store.path(digest)
        elif digest not in destroyed:
            missing.append(digest)
    if missing:
        notes.append(f"{len(missing)} evidence objects the log names are missing from the store")
    return EvidenceCut(
        log=b"".join(e.line + b"\n" for e in entries),
        entries=size,
        checkpoints=b"".join(canonical_json(c.to_json()) + b"\n" for c in kept),
        checkpoint=checkpoint,
        public_keys=public_keys,
        signing_key=signing_key,
        objects=objects,
        missing=tuple(missing),
        notes=tuple(notes),
    )
