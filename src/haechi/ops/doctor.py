"""``haechi doctor``: is this home healthy, and if not, what to do about each problem.

It reads and never writes: no migration, no repair of a torn log line, no new checkpoint. Each
finding names the problem and the action that fixes it; ``error`` means evidence or data is at
risk now, ``warning`` that something needs attention soon. The checks: permissions, the
signing key (present, opens, protected), the database (opens, intact, schema version), the
evidence log (chain, checkpoints and their signatures, unsigned tail), the evidence objects
(present, each hashing to its name), the matching index (fresh), disk space, and the ages of
the last backup and the last restore drill.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from haechi.evidence.errors import SigningKeyError
from haechi.evidence.keys import RETIRED_KEYS, key_warnings
from haechi.evidence.signing import load_key
from haechi.ops.checks import check_checkpoints, public_keys, replay_log
from haechi.ops.snapshot import live_objects, sqlite_path
from haechi.settings import Settings
from haechi.store.home import home_problems
from haechi.store.models import utcnow


@dataclass(frozen=True)
class Finding:
    """One problem: a stable code, how bad, what is wrong and what to do."""

    code: str
    severity: str  # error | warning
    problem: str
    action: str

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "code": self.code,
            "severity": self.severity,
            "problem": self.problem,
            "action": self.action,
        }


@dataclass(frozen=True)
class Limits:
    """What doctor counts as too little or too old."""

    min_free_bytes: int = 2 * 1024**3
    backup_max_age: timedelta = timedelta(days=7)
    drill_max_age: timedelta = timedelta(days=30)
    unsigned_max: int = 1000


@dataclass
class Diagnosis:
    """Every finding, and the checks that held."""

    findings: list[Finding] = field(default_factory=list)
    held: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        """Whether no error was found (warnings allowed)."""
        return not any(f.severity == "error" for f in self.findings)

    def add(self, code: str, severity: str, problem: str, action: str) -> None:
        self.findings.append(Finding(code, severity, problem, action))


RESTORE = "restore it from the latest backup (`haechi backup verify FILE`, then `haechi restore`)"


def diagnose(
    settings: Settings, limits: Limits | None = None, now: datetime | None = None
) -> Diagnosis:
    """Check the home of ``settings``; never changes it."""
    limits = limits or Limits()
    now = now or utcnow()
    report = Diagnosis()
    home = settings.home
    if not home.is_dir():
        report.add(
            "home-missing",
            "error",
            f"there is no home at {home}",
            "check HAECHI_HOME or --home; restore a backup there if the home was lost",
        )
        return report
    for problem in home_problems(home):
        report.add("home-permissions", "warning", problem, "run `haechi home secure`")
    revision = _database(settings, report)
    entries = _evidence(settings, report, limits)
    _key(settings, report, has_evidence=bool(entries))
    _disk(home, report, limits)
    if revision is not None:
        from haechi.ops.doctor_history import index_and_history

        index_and_history(settings, report, limits, now)
    return report


def _database(settings: Settings, report: Diagnosis) -> str | None:
    """Check the database; returns its revision when it is usable at the current schema."""
    from haechi.store.database import Database, head_revision

    head = head_revision()
    url = settings.resolved_database_url
    path = sqlite_path(url)
    if path is not None:
        if not path.is_file():
            report.add(
                "database-missing",
                "error",
                f"the database {path} is missing",
                f"{RESTORE}; a new, empty one is made by the next command",
            )
            return None
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                result = conn.execute("PRAGMA quick_check").fetchone()[0]
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            report.add(
                "database-unreadable",
                "error",
                f"the database {path} cannot be read: {exc}",
                RESTORE,
            )
            return None
        if result != "ok":
            report.add(
                "database-damaged", "error", f"the database {path} is damaged: {result}", RESTORE
            )
            return None
        revision = str(row[0]) if row else None
    else:
        revision = Database(url).revision()
    if revision is None:
        report.add(
            "schema-missing",
            "warning",
            "the database has no schema yet",
            "run any haechi command to create it",
        )
        return None
    if revision.isdigit() and int(revision) > int(head):
        report.add(
            "schema-ahead",
            "error",
            f"the database is at schema {revision}, made by a newer haechi (this knows {head})",
            "install that newer haechi again; migrations only go forward",
        )
        return None
    if revision != head:
        report.add(
            "schema-behind",
            "warning",
            f"the database is at schema {revision}; this haechi migrates it to {head}",
            "run `haechi backup --out FILE`, then any command: a copy of the database is "
            "kept in <home>/backups before the migration runs",
        )
        return None
    report.held.append(f"database intact at schema {revision}")
    return revision


def _evidence(settings: Settings, report: Diagnosis, limits: Limits) -> int:
    """Check the log, its checkpoints and the objects; returns how many entries it has."""
    folder = settings.home / "evidence"
    log_path = folder / "log.jsonl"
    if not log_path.exists():
        report.held.append("no evidence log yet")
        return 0
    data = log_path.read_bytes()
    cut = data.rfind(b"\n") + 1
    if cut < len(data):
        report.add(
            "log-torn",
            "warning",
            f"the last line of {log_path} is unfinished ({len(data) - cut} bytes): a crash "
            "interrupted an append, so it was never an entry",
            "nothing is lost: the next capture (or `haechi evidence repair`) cuts it off",
        )
        data = data[:cut]
    entries, chain = replay_log(data)
    if chain.ok is False:
        report.add(
            "log-damaged",
            "error",
            f"the evidence log {log_path} is damaged: {chain.detail}",
            f"do not capture until it is fixed; {RESTORE}",
        )
        return len(entries)
    pems = [p.read_bytes() for p in sorted((folder / RETIRED_KEYS).glob("*.pem"))]
    key_file = settings.evidence_key_file or folder / "signing-key.pem"
    secret = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    with contextlib.suppress(SigningKeyError):
        pems.append(load_key(key_file, secret).public_pem)
    cp_path = log_path.with_name("log.checkpoints.jsonl")
    checks, last = check_checkpoints(
        entries, cp_path.read_bytes() if cp_path.exists() else b"", public_keys(pems)
    )
    for check in checks:
        if check.ok is False:
            report.add(
                "checkpoint-bad",
                "error",
                f"{check.name} in {cp_path}: {check.detail}",
                f"someone or something changed the log or its checkpoints; {RESTORE}",
            )
        elif check.ok is None:
            report.add(
                "checkpoint-unchecked",
                "warning",
                f"{check.name}: {check.detail}",
                f"put the public key of the key that signed it under {folder / RETIRED_KEYS}",
            )
    signed = last.tree_size if last else 0
    if len(entries) - signed > limits.unsigned_max:
        report.add(
            "log-unsigned",
            "warning",
            f"{len(entries) - signed} log entries are not yet covered by a checkpoint",
            "make sure the signing key opens: the next capture, export or backup signs them",
        )
    _objects(folder, entries, report)
    if not any(f.code.startswith(("log-", "checkpoint-")) for f in report.findings):
        report.held.append(f"evidence log verifies: {len(entries)} entries, signed to {signed}")
    return len(entries)


def _objects(folder: Path, entries: list[Any], report: Diagnosis) -> None:
    named, destroyed = live_objects(entries)
    missing, damaged = [], []
    for digest in named:
        path = folder / "objects" / digest[:2] / digest[2:]
        if not path.is_file():
            if digest not in destroyed:
                missing.append(digest)
            continue
        hasher = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                hasher.update(chunk)
        if hasher.hexdigest() != digest:
            damaged.append(digest)
    if missing:
        report.add(
            "objects-missing",
            "error",
            f"{len(missing)} evidence objects are missing, e.g. {missing[0]}",
            RESTORE,
        )
    if damaged:
        report.add(
            "objects-damaged",
            "error",
            f"{len(damaged)} evidence objects no longer hash to their names, e.g. {damaged[0]}",
            f"the disk may be failing: check it, then {RESTORE}",
        )
    if not missing and not damaged:
        report.held.append(f"{len(named)} evidence objects present and intact")


def _key(settings: Settings, report: Diagnosis, has_evidence: bool) -> None:
    folder = settings.home / "evidence"
    key_file = settings.evidence_key_file or folder / "signing-key.pem"
    secret = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
    if not key_file.exists():
        if has_evidence:
            report.add(
                "signing-key-missing",
                "error",
                f"the signing key {key_file} is missing",
                "put back the copy you keep apart (or pass --key-file); without it no "
                "capture can be sealed or exported",
            )
        return
    try:
        load_key(key_file, secret)
    except SigningKeyError as exc:
        report.add(
            "signing-key-locked",
            "error",
            str(exc),
            "set HAECHI_KEY_PASSPHRASE to the key's passphrase, or fix the file's mode",
        )
        return
    for warning in key_warnings(key_file, settings.home, secret):
        report.add(
            "signing-key-unprotected",
            "warning",
            warning,
            "`haechi evidence encrypt-key` with HAECHI_KEY_PASSPHRASE set",
        )
    report.held.append("signing key present and opens")


def _disk(home: Path, report: Diagnosis, limits: Limits) -> None:
    free = shutil.disk_usage(home).free
    if free < limits.min_free_bytes:
        report.add(
            "disk-space",
            "warning" if free > limits.min_free_bytes // 4 else "error",
            f"only {free // 1024**2} MiB free on the disk of {home}",
            "free space or move the home to a larger disk: a full disk stops captures",
        )
    else:
        report.held.append(f"{free // 1024**3} GiB free")
