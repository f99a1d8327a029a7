"""``haechi backup verify`` and ``haechi restore``: open backups, check everything, install.

Both decrypt the backup(s) given, check every file against the manifest's SHA-256 (an
evidence object also against its own name), replay the evidence log, check every checkpoint's
Merkle root and signature, check the database (SQLite's integrity check, its schema revision)
and that every capture it names is in the log. ``verify`` stops there and reports what a
restore would give. ``restore`` builds the new home in a hidden folder beside the target and
renames it into place only when every check held: a refused restore leaves nothing behind.
An incremental backup is restored with the backups it builds on, given in any order.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from haechi.ops.archive import CHUNK, read_encrypted
from haechi.ops.backup import FORMAT, MANIFEST
from haechi.ops.checks import Check, check_checkpoints, public_keys, replay_log
from haechi.ops.errors import BackupDamaged, RestoreRefused
from haechi.ops.keys import load_identities
from haechi.ops.snapshot import libpq

_SAFE = re.compile(
    r"^(manifest\.json|database/haechi\.(db|pgdump)|evidence/(log\.jsonl|log\.checkpoints\.jsonl"
    r"|public-key\.pem|signing-key\.pem|retired-keys/[0-9a-zA-Z_.-]+\.pem"
    r"|objects/[0-9a-f]{2}/[0-9a-f]{62}))$"
)
_MAX_MANIFEST = 256 * 1024 * 1024
COUNTED = ("bank_entries", "hits", "hit_captures", "cases", "notices", "police_reports")


@dataclass
class _Part:
    """One backup file as read: its manifest and the files it held."""

    path: Path
    folder: Path
    manifest: dict[str, Any]
    files: dict[str, tuple[str, int]]


@dataclass(frozen=True)
class BackupReport:
    """What the backups hold and whether every check held: what a restore gives."""

    backup_id: str
    made_at: str
    kind: str
    needs: tuple[str, ...]
    schema_revision: str | None
    log_entries: int
    checkpoint_size: int | None
    objects: int
    counts: dict[str, int]
    signing_key_included: bool
    checks: tuple[Check, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """Whether no check failed."""
        return all(c.ok is not False for c in self.checks)

    def failures(self) -> list[Check]:
        """The checks that failed."""
        return [c for c in self.checks if c.ok is False]

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "backup": self.backup_id, "made_at": self.made_at, "kind": self.kind,
            "needs": list(self.needs), "schema_revision": self.schema_revision,
            "log_entries": self.log_entries, "checkpoint": self.checkpoint_size,
            "objects": self.objects, "counts": self.counts,
            "signing_key_included": self.signing_key_included, "passed": self.passed,
            "checks": [c.as_json() for c in self.checks], "notes": list(self.notes),
        }  # fmt: skip


def _copy_hashing(handle: IO[bytes], target: Path | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    sink = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        sink = os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    try:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if sink is not None:
                sink.write(chunk)
        if sink is not None:
            sink.flush()
            os.fsync(sink.fileno())
    finally:
        if sink is not None:
            sink.close()
    return digest.hexdigest(), size


def _read_part(
    path: Path, identities: list[Any], folder: Path, objects: Path | None, seen: set[str]
) -> _Part:
    """Decrypt one backup; keep its files under ``folder`` and objects under ``objects``."""

    def consume(members: Iterator[tuple[str, IO[bytes]]]) -> tuple[bytes, dict[str, Any]]:
        manifest = b""
        files: dict[str, tuple[str, int]] = {}
        for name, handle in members:
            if not _SAFE.match(name) or name in files:
                raise BackupDamaged(f"backup {path} holds an unexpected file {name!r}")
            if name == MANIFEST:
                manifest = handle.read(_MAX_MANIFEST + 1)
                files[name] = (hashlib.sha256(manifest).hexdigest(), len(manifest))
                continue
            if name.startswith("evidence/objects/"):
                digest = name[17:19] + name[20:]
                keep = objects is not None and digest not in seen
                target = objects / digest[:2] / digest[2:] if objects is not None else None
                files[name] = _copy_hashing(handle, target if keep else None)
                if files[name][0] != digest:
                    raise BackupDamaged(
                        f"backup {path}: {name} is damaged (its bytes hash to {files[name][0]})"
                    )
                seen.add(digest)
                continue
            files[name] = _copy_hashing(handle, folder / name)
        return manifest, files

    raw, files = read_encrypted(path, identities, consume)
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise BackupDamaged(f"backup {path} has no readable manifest.json") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupDamaged(f"{path} is not a haechi backup (format {FORMAT})")
    listed: dict[str, Any] = manifest.get("files") or {}
    for name, info in listed.items():
        got = files.get(name)
        if got is None:
            raise BackupDamaged(f"backup {path}: {name} is listed in the manifest but missing")
        if got != (info.get("sha256"), info.get("size")):
            raise BackupDamaged(f"backup {path}: {name} does not match its SHA-256 in the manifest")
    extra = sorted(set(files) - set(listed) - {MANIFEST})
    if extra:
        raise BackupDamaged(f"backup {path}: {extra[0]} is not in the manifest")
    return _Part(path, folder, manifest, files)


def _primary(parts: list[_Part]) -> _Part:
    bases = {p.manifest.get("base_id") for p in parts}
    tops = [p for p in parts if p.manifest["backup_id"] not in bases]
    if len(tops) != 1:
        raise RestoreRefused("give one backup and the backups it builds on, not unrelated ones")
    return tops[0]


def _check_database(part: _Part, manifest: dict[str, Any]) -> tuple[list[Check], dict[str, int]]:
    name = manifest["database"]["file"]
    if manifest["database"]["kind"] != "sqlite":
        return [Check("database", None, "a PostgreSQL dump: pg_restore checks it on restore")], {}
    path = part.folder / name
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        # A backup made by an older haechi may lack later tables: count those it has.
        counts = {
            t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in COUNTED
            if t in tables
        }
        captures: set[str] = set()
        if "hit_captures" in tables:
            captures = {r[0] for r in conn.execute("SELECT capture_id FROM hit_captures")}
    except sqlite3.Error as exc:
        return [Check("database", False, f"{name} cannot be read: {exc}")], {}
    finally:
        conn.close()
    checks = [Check("database", result == "ok", f"SQLite integrity check: {result}")]
    log = part.folder / "evidence/log.jsonl"
    logged: set[str] = set()
    if log.exists():
        entries, _ = replay_log(log.read_bytes())
        logged = {e.subject for e in entries if e.kind.value == "captured"}
    unlogged = sorted(captures - logged)
    checks.append(
        Check(
            "database:captures",
            not unlogged,
            f"every one of {len(captures)} captures the database names is in the log"
            if not unlogged
            else f"captures named by the database but not in the log: {', '.join(unlogged[:5])}",
        )
    )
    return checks, counts


def _check(parts: list[_Part], primary: _Part, seen: set[str]) -> BackupReport:
    manifest = primary.manifest
    checks: list[Check] = [Check("files", True, "every file matches its SHA-256 in the manifest")]
    needed: dict[str, str] = manifest.get("objects") or {}
    given = {p.manifest["backup_id"] for p in parts}
    lacking = sorted({owner for owner in needed.values() if owner not in given})
    if lacking:
        raise RestoreRefused(
            f"backup {manifest['backup_id']} builds on {', '.join(lacking)}: give those files too"
        )
    absent = [d for d in needed if d not in seen]
    checks.append(
        Check(
            "objects",
            not absent,
            f"all {len(needed)} evidence objects present, each hashing to its name"
            if not absent
            else f"evidence objects missing: {', '.join(absent[:5])}",
        )
    )
    db_checks, counts = _check_database(primary, manifest)
    checks += db_checks
    log_path = primary.folder / "evidence/log.jsonl"
    evidence = manifest.get("evidence") or {}
    checkpoint_size = (evidence.get("checkpoint") or {}).get("tree_size")
    if log_path.exists():
        entries, chain = replay_log(log_path.read_bytes())
        checks.append(chain)
        want = int(evidence.get("log_entries", 0))
        checks.append(
            Check("log:entries", len(entries) == want, f"{len(entries)} entries; manifest: {want}")
        )
        pems = [p.read_bytes() for p in (primary.folder / "evidence").rglob("*.pem")]
        pems = [p for p in pems if b"PUBLIC KEY" in p]
        cp_path = primary.folder / "evidence/log.checkpoints.jsonl"
        cp_checks, last = check_checkpoints(
            entries, cp_path.read_bytes() if cp_path.exists() else b"", public_keys(pems)
        )
        checks += cp_checks
        if checkpoint_size is not None:
            reached = last is not None and last.tree_size == checkpoint_size
            checks.append(
                Check(
                    "checkpoint:reached",
                    reached,
                    f"signed checkpoint over {checkpoint_size} entries",
                )
            )
        tail = len(entries) - (checkpoint_size or 0)
        if tail:
            checks.append(Check("log:signed", None, f"{tail} entries after the last checkpoint"))
    else:
        checks.append(Check("log:chain", None, "no evidence log in this home"))
    return BackupReport(
        backup_id=manifest["backup_id"], made_at=manifest["made_at"], kind=manifest["kind"],
        needs=tuple(sorted(given - {manifest["backup_id"]})),
        schema_revision=manifest.get("schema_revision"),
        log_entries=int(evidence.get("log_entries", 0)), checkpoint_size=checkpoint_size,
        objects=len(needed), counts=counts,
        signing_key_included="evidence/signing-key.pem" in primary.files,
        checks=tuple(checks), notes=tuple(manifest.get("notes") or ()),
    )  # fmt: skip


def _read_all(
    files: Sequence[Path], identity_files: Sequence[Path], root: Path, objects: Path | None
) -> tuple[list[_Part], _Part, set[str]]:
    if not files:
        raise RestoreRefused("name the backup file to read")
    identities = load_identities(identity_files)
    seen: set[str] = set()
    parts = [
        _read_part(path, identities, root / f"part-{n}", objects, seen)
        for n, path in enumerate(files)
    ]
    return parts, _primary(parts), seen


def verify_backup(
    files: Sequence[Path], identity_files: Sequence[Path], work: Path | None = None
) -> BackupReport:
    """Check backups completely without restoring them; the report says what a restore gives.

    ``work`` is a private scratch folder for the database copy (default: the system's).
    """
    root = Path(tempfile.mkdtemp(prefix="haechi-verify-", dir=work))
    try:
        parts, primary, seen = _read_all(files, identity_files, root, None)
        return _check(parts, primary, seen)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _empty_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or os.listdir(target)):
        raise RestoreRefused(f"{target} is not empty: restore only into a new, empty home")


def restore_backup(
    files: Sequence[Path],
    identity_files: Sequence[Path],
    target: Path,
    database_url: str | None = None,
) -> BackupReport:
    """Restore backups into the new home ``target``; nothing is left there unless all checks held.

    A PostgreSQL dump is loaded into ``database_url`` (an empty database) with ``pg_restore``.
    """
    target = target.absolute()
    _empty_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.restoring-{secrets.token_hex(4)}")
    staging.mkdir(mode=0o700)
    try:
        objects = staging / "evidence" / "objects"
        parts, primary, seen = _read_all(files, identity_files, staging / ".parts", objects)
        report = _check(parts, primary, seen)
        if not report.passed:
            failed = report.failures()[0]
            raise BackupDamaged(f"backup refused: {failed.name}: {failed.detail}")
        _install(primary, staging, database_url)
        wanted = set(primary.manifest.get("objects") or {})
        for stored in list(objects.glob("*/*")) if objects.exists() else []:
            if stored.parent.name + stored.name not in wanted:
                stored.unlink()  # held by an older backup, destroyed since: it stays destroyed
        shutil.rmtree(staging / ".parts")
        _empty_target(target)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
        fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _install(primary: _Part, staging: Path, database_url: str | None) -> None:
    manifest = primary.manifest
    for name in primary.files:
        if name == MANIFEST or name.startswith("evidence/objects/") or name.startswith("database/"):
            continue
        if name == "evidence/public-key.pem":
            continue  # verification's; the home finds its public key in the key file
        destination = staging / name
        destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(primary.folder / name, destination)
    database = primary.folder / manifest["database"]["file"]
    if manifest["database"]["kind"] == "sqlite":
        os.replace(database, staging / "haechi.db")
        return
    if not database_url:
        raise RestoreRefused(
            "this backup holds a PostgreSQL dump: give --database-url of an empty database"
        )
    dsn, env = libpq(database_url)  # postgresql+psycopg:// is SQLAlchemy's, not libpq's
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", dsn, str(database)],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    if done.returncode != 0:
        raise RestoreRefused(f"pg_restore failed: {done.stderr.strip()[:500]}")
