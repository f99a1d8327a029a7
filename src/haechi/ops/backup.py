"""``haechi backup``: one encrypted, verifiable snapshot of a home, full or incremental.

A backup file is an age file (see :mod:`haechi.ops.keys`) holding a tar of::

    database/haechi.db | database/haechi.pgdump   the database, copied online
    evidence/log.jsonl                             the log up to the checkpoint reached
    evidence/log.checkpoints.jsonl                 the signed checkpoints up to it
    evidence/public-key.pem, retired-keys/*.pem    public keys that verify the checkpoints
    evidence/signing-key.pem                       only if encrypted with a passphrase
    evidence/objects/ab/cdef…                      the evidence objects (new ones only, if
                                                   incremental)
    manifest.json                                  last: every file's SHA-256 and size, the
                                                   checkpoint reached, every object and the
                                                   backup that holds it

Manifest format ``haechi-backup/1``. An incremental backup holds the database and log whole
(they are small next to the evidence) and only the objects no earlier backup holds; its
manifest names the backups that hold the rest, and a restore is given all of them.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from haechi import __version__
from haechi.ops.archive import TarWriter, write_encrypted
from haechi.ops.errors import BackupKeyError
from haechi.ops.keys import RECIPIENTS_FILE, home_recipients, parse_recipients
from haechi.ops.snapshot import EvidenceCut, cut_evidence, snapshot_database
from haechi.settings import Settings
from haechi.store.database import Database, open_database
from haechi.store.models import utcnow
from haechi.store.ops_models import BackupRow

FORMAT = "haechi-backup/1"
MANIFEST = "manifest.json"


def object_name(digest: str) -> str:
    """Where an evidence object lies inside a backup."""
    return f"evidence/objects/{digest[:2]}/{digest[2:]}"


@dataclass(frozen=True)
class BackupResult:
    """What a backup wrote and what it reaches."""

    backup_id: str
    path: Path
    kind: str
    base_id: str | None
    sha256: str
    size: int
    log_entries: int
    checkpoint_size: int | None
    objects_total: int
    objects_added: int
    signing_key_included: bool
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "backup": self.backup_id, "path": str(self.path), "kind": self.kind,
            "base": self.base_id, "sha256": self.sha256, "size": self.size,
            "log_entries": self.log_entries, "checkpoint": self.checkpoint_size,
            "objects": self.objects_total, "objects_added": self.objects_added,
            "signing_key_included": self.signing_key_included, "notes": list(self.notes),
        }  # fmt: skip


def latest_backup(db: Database) -> BackupRow | None:
    """The newest backup recorded in this home."""
    with db.session() as session:
        return session.scalar(select(BackupRow).order_by(BackupRow.id.desc()).limit(1))


def _recipients(settings: Settings, given: Sequence[str]) -> list[Any]:
    keys = list(given) or home_recipients(settings.home)
    if not keys:
        raise BackupKeyError(
            "no backup recipients: make a key pair with `haechi backup keygen FILE` (it adds "
            f"the public key to {settings.home / RECIPIENTS_FILE}), or pass --recipient age1…"
        )
    return parse_recipients(keys)


def _work_dir(settings: Settings) -> Path:
    """A private scratch folder inside the home (its plaintext never leaves the home's disk)."""
    folder = settings.home / ".ops-tmp"
    folder.mkdir(mode=0o700, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=folder))


def make_backup(
    settings: Settings,
    out: Path,
    recipients: Sequence[str] = (),
    *,
    incremental: bool = False,
    now: datetime | None = None,
) -> BackupResult:
    """Back up the home of ``settings`` to ``out``, encrypted for ``recipients``.

    ``recipients`` default to the home's ``backup-recipients.txt``. With ``incremental`` only
    objects that the last recorded backup (and those it builds on) lacks are written.
    """
    keys = _recipients(settings, recipients)
    moment = now or utcnow()
    backup_id = f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    db = open_database(settings)
    work = _work_dir(settings)
    try:
        revision = db.revision()
        base = latest_backup(db) if incremental else None
        db_kind, db_file = snapshot_database(db.url, work)
        cut = cut_evidence(settings)
        held: dict[str, str] = json.loads(base.objects) if base is not None else {}
        placed = {d: held.get(d, backup_id) for d in cut.objects}
        new = [d for d, owner in placed.items() if owner == backup_id]
        notes = list(cut.notes)
        if incremental and base is None:
            notes.append("no earlier backup recorded: this one is full")
        notes.append(_data_key_note(settings))
        kind = "incremental" if base is not None else "full"

        def produce(tar: TarWriter) -> None:
            tar.add_file(f"database/{db_file.name}", db_file)
            _add_evidence(tar, cut, new)
            manifest = {
                "format": FORMAT, "backup_id": backup_id,
                "made_at": moment.isoformat(), "kind": kind,
                "base_id": base.backup_id if base is not None else None,
                "haechi_version": __version__, "schema_revision": revision,
                "database": {"kind": db_kind, "file": f"database/{db_file.name}"},
                "evidence": {
                    "log_entries": cut.entries,
                    "checkpoint": cut.checkpoint.to_json() if cut.checkpoint else None,
                    "missing_objects": list(cut.missing),
                },
                "files": {m.name: {"sha256": m.sha256, "size": m.size} for m in tar.members},
                "objects": placed, "notes": notes,
            }  # fmt: skip
            tar.add_bytes(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())

        _, written = write_encrypted(out, keys, produce)
        checkpoint_size = cut.checkpoint.tree_size if cut.checkpoint else None
        with db.session() as session:
            session.add(
                BackupRow(
                    backup_id=backup_id, made_at=moment, kind=kind,
                    base_id=base.backup_id if base is not None else None,
                    path=str(written.path), sha256=written.sha256, size=written.size,
                    log_entries=cut.entries, checkpoint_size=checkpoint_size,
                    objects=json.dumps(placed, sort_keys=True),
                )
            )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
        db.close()
    return BackupResult(
        backup_id, written.path, kind, base.backup_id if base is not None else None,
        written.sha256, written.size, cut.entries, checkpoint_size, len(placed), len(new),
        cut.signing_key is not None, tuple(notes),
    )  # fmt: skip


def _data_key_note(settings: Settings) -> str:
    """Say where the data key is, since a backup never holds it.

    Labels and victims' personal data in the database are sealed under the data key; a backup
    that held the key would let anyone with the backup identity read them, so the key is kept
    (and must be backed up) apart, like the backup identity itself.
    """
    from haechi.crypto.vault import data_key_file

    where = "HAECHI_DATA_KEY" if settings.data_key is not None else str(data_key_file(settings))
    return (
        f"the data key ({where}) is not in the backup: keep a copy of it apart from the home "
        "and the backup, or a restored home cannot read labels or victims' personal data"
    )


def _add_evidence(tar: TarWriter, cut: EvidenceCut, new: list[str]) -> None:
    if cut.entries or cut.log:
        tar.add_bytes("evidence/log.jsonl", cut.log)
        tar.add_bytes("evidence/log.checkpoints.jsonl", cut.checkpoints)
    for name, pem in sorted(cut.public_keys.items()):
        tar.add_bytes(name, pem)
    if cut.signing_key is not None:
        tar.add_bytes("evidence/signing-key.pem", cut.signing_key)
    for digest in new:
        tar.add_file(object_name(digest), cut.objects[digest])
