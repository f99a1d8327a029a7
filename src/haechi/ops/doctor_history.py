"""The checks of ``haechi doctor`` that need the database at this haechi's schema: the
matching index's freshness, backup recipients, and the ages of the last backup and drill.
"""

from __future__ import annotations

import json
from datetime import datetime

from haechi.errors import HaechiError
from haechi.ops.doctor import RESTORE, Diagnosis, Limits
from haechi.ops.keys import home_recipients
from haechi.settings import Settings


def index_and_history(settings: Settings, report: Diagnosis, limits: Limits, now: datetime) -> None:
    from haechi.ops.backup import latest_backup
    from haechi.ops.drill import last_drill
    from haechi.store.banks import BankStore
    from haechi.store.database import Database

    db = Database(settings.resolved_database_url)
    try:
        with db.session() as session:
            count, top, total = BankStore(session).range_fingerprint(settings.pdq_min_quality)
        state_path = settings.home / "index" / "pdq.json"
        wanted = {
            "count": count,
            "max_id": top,
            "sum_id": total,
            "min_quality": settings.pdq_min_quality,
        }
        try:
            saved = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = None
        if count and (
            not isinstance(saved, dict) or any(saved.get(k) != v for k, v in wanted.items())
        ):
            report.add(
                "index-stale",
                "warning",
                f"the matching index under {state_path.parent} does not match the banks",
                "nothing is lost: the next scan rebuilds it (a large bank takes a while)",
            )
        else:
            report.held.append("matching index fresh")
        backup = latest_backup(db)
        drill = last_drill(db)
    except HaechiError as exc:
        report.add("database-unreadable", "error", str(exc), RESTORE)
        return
    finally:
        db.close()
    if not home_recipients(settings.home):
        report.add(
            "backup-recipients-missing",
            "warning",
            "no backup recipients are set",
            "run `haechi backup keygen FILE` and keep FILE off this machine",
        )
    if backup is None:
        report.add(
            "backup-none",
            "warning",
            "this home has never been backed up",
            "run `haechi backup --out FILE` to a disk elsewhere, and schedule it",
        )
    elif now - backup.made_at > limits.backup_max_age:
        report.add(
            "backup-old",
            "warning",
            f"the last backup is {(now - backup.made_at).days} days old ({backup.path})",
            "run `haechi backup --out FILE --incremental`",
        )
    if backup is not None and drill is None:
        report.add(
            "drill-none",
            "warning",
            "no backup of this home was ever restored in a drill",
            "run `haechi backup drill --identity FILE`",
        )
    elif drill is not None and not drill.ok:
        report.add(
            "drill-failed",
            "error",
            f"the last restore drill failed: {drill.detail}",
            "make a new backup and drill it; find out why the last one failed",
        )
    elif drill is not None and now - drill.ran_at > limits.drill_max_age:
        report.add(
            "drill-old",
            "warning",
            f"the last restore drill is {(now - drill.ran_at).days} days old",
            "run `haechi backup drill --identity FILE`",
        )
