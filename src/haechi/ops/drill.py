"""``haechi backup drill``: prove the latest backup restores, and record that it did.

A backup nobody has restored is a hope. The drill restores the newest recorded backup (with
the backups it builds on) into a temporary home, runs every check of a restore, opens the
restored database through haechi itself (migrating a copy made by an older version, as an
upgrade would) and records the outcome with its date, good or bad, so the team sees the age
of its last good drill (``haechi doctor``, the server's dashboard).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from haechi.errors import HaechiError
from haechi.ops.errors import OpsError
from haechi.settings import Settings
from haechi.store.database import Database, open_database
from haechi.store.models import utcnow
from haechi.store.ops_models import BackupRow, DrillRow


@dataclass(frozen=True)
class DrillResult:
    """One drill: which backup, when, whether it held, and why not."""

    ran_at: datetime
    backup_id: str | None
    path: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "ran_at": self.ran_at.isoformat(), "backup": self.backup_id, "path": self.path,
            "ok": self.ok, "detail": self.detail,
        }  # fmt: skip


def _chain(db: Database, file: Path | None) -> tuple[str | None, list[Path]]:
    """The backup to drill and the files of those it builds on, newest first."""
    with db.session() as session:
        rows = {r.backup_id: r for r in session.scalars(select(BackupRow))}
        if file is not None:
            row = next((r for r in rows.values() if Path(r.path) == file.absolute()), None)
            if row is None:
                return None, [file]
        else:
            row = session.scalar(select(BackupRow).order_by(BackupRow.id.desc()).limit(1))
            if row is None:
                raise OpsError("no backup recorded in this home: run `haechi backup --out FILE`")
    paths: list[Path] = []
    current: BackupRow | None = row
    while current is not None:
        paths.append(Path(current.path))
        current = rows.get(current.base_id) if current.base_id else None
    return row.backup_id, paths


def run_drill(
    settings: Settings,
    identity_files: Sequence[Path],
    file: Path | None = None,
    now: datetime | None = None,
) -> DrillResult:
    """Restore the latest backup (or ``file``) into a temporary home, check it, record it."""
    from haechi.ops.restore import restore_backup

    db = open_database(settings)
    try:
        backup_id, paths = _chain(db, file)
        scratch = settings.home / ".ops-tmp"
        scratch.mkdir(mode=0o700, exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix="drill-", dir=scratch))
        try:
            report = restore_backup(paths, identity_files, root / "home")
            home = root / "home"
            url = f"sqlite:///{home / 'haechi.db'}"  # never the live database of the settings
            restored = open_database(Settings(home=home, database_url=url, workers=1))
            restored.close()
            ok = True
            detail = (
                f"restored {report.kind} backup {report.backup_id}: {report.log_entries} log "
                f"entries, {report.objects} objects, {report.counts.get('hits', 0)} hits; "
                "every check held"
            )
        except HaechiError as exc:
            ok, detail = False, str(exc)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        moment = now or utcnow()
        path = str(paths[0])
        with db.session() as session:
            session.add(
                DrillRow(ran_at=moment, backup_id=backup_id, path=path, ok=ok, detail=detail)
            )
    finally:
        db.close()
    return DrillResult(moment, backup_id, path, ok, detail)


def last_drill(db: Database, good_only: bool = False) -> DrillResult | None:
    """The newest drill (or the newest good one)."""
    query = select(DrillRow).order_by(DrillRow.id.desc()).limit(1)
    if good_only:
        query = query.where(DrillRow.ok.is_(True))
    with db.session() as session:
        row = session.scalar(query)
    if row is None:
        return None
    return DrillResult(row.ran_at, row.backup_id, row.path, row.ok, row.detail)
