"""What each kind of job does, and whether a scheduled kind has work due.

Each runner calls the same service functions as the ``haechi`` commands (``scan``, ``watch
run``, ``recheck``, ``notices follow-up``, ``report remind``) and returns a short JSON summary
of what it did: ids and counts, never a victim's data. Follow-ups are drafts that a person
approves, as everywhere else. The ``due`` checks are cheap queries the scheduler makes before
queueing a job, so that the job list holds runs that did something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from haechi.jobs.model import JobError, JobKind
from haechi.notices.desk import Desk
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.models import utcnow

Report = Callable[[int, int | None, str], None]  # done, total, what it is doing


@dataclass(frozen=True)
class Outcome:
    """A job's summary, and the error that makes it a failure (``None``: it is done)."""

    result: dict[str, Any]
    error: str | None = None


def desk_of(db: Database, settings: Settings, clock: Callable[[], datetime] = utcnow) -> Desk:
    """The desk the notice and report services need, from the server's settings."""
    from haechi.notices.config import NoticeConfig
    from haechi.scan.preserve import evidence_config

    return Desk(db, NoticeConfig.from_settings(settings), clock, evidence_config(settings))


def run_scan(db: Database, settings: Settings, args: dict[str, Any], report: Report) -> Outcome:
    """Scan the URL (or uploaded list or export) of ``args``, capturing web hits.

    An upload's folder is removed when the scan ends, whatever its end; the review policy
    then confirms the hits it covers (:mod:`haechi.review.policy`).
    """
    from haechi.review.sources import remove_upload

    try:
        outcome = _scan(db, settings, args, report)
    finally:
        if args.get("upload"):
            remove_upload(settings.home, str(args["upload"]))
    _apply_review_policy(db)
    return outcome


def _apply_review_policy(db: Database) -> None:
    from haechi.review.policy import apply_policy

    with db.session() as session:
        apply_policy(session, utcnow())


def _scan(db: Database, settings: Settings, args: dict[str, Any], report: Report) -> Outcome:
    from haechi.scan.intake import save_validators, source_options
    from haechi.scan.pipeline import Scanner
    from haechi.scan.preserve import EvidenceKeeper, evidence_config
    from haechi.sources import open_source

    target = str(args["target"])
    allow = tuple(str(h) for h in args.get("allow_hosts", ()))
    options = source_options(settings, allow, args.get("depth"), args.get("max_pages"))
    source = open_source(target, args.get("kind"), options)
    report(0, None, f"scanning {source.kind}")

    def tick(done: int, total: int | None) -> None:
        report(done, total, f"scanning {source.kind}")

    keeper = EvidenceKeeper(evidence_config(settings, allow)) if settings.evidence_capture else None
    if keeper is None:
        scanned = Scanner(db, settings, None).scan_source(source, target, tick)
    else:
        with keeper as kept:
            scanned = Scanner(db, settings, kept).scan_source(source, target, tick)
    save_validators(options)
    result = {
        "scan": scanned.scan_id,
        "items": scanned.seen,
        "hashed": scanned.hashed,
        "skipped": scanned.skipped,
        "failed": scanned.failed,
        "hits": [h.id for h in scanned.hits],
        "captures": len(scanned.captures),
        "capture_failures": len(scanned.capture_failures),
    }
    why = scanned.target_failure()
    return Outcome(result, f"the target failed: {why}" if why else None)


def run_watches(db: Database, settings: Settings, args: dict[str, Any], report: Report) -> Outcome:
    """Run every due watch; each is recorded on its own whatever its outcome."""
    from haechi.scan.intake import source_options
    from haechi.scan.preserve import EvidenceKeeper, evidence_config
    from haechi.scan.watching import run_due_watches

    report(0, None, "running due watches")
    options = source_options(settings)
    if settings.evidence_capture:
        with EvidenceKeeper(evidence_config(settings)) as kept:
            runs = run_due_watches(db, settings, options, utcnow, kept)
    else:
        runs = run_due_watches(db, settings, options, utcnow, None)
    listed = [
        {
            "watch": r.watch.id,
            "scan": r.report.scan_id if r.report else None,
            "hits": len(r.report.hits) if r.report else 0,
            "error": r.error,
        }
        for r in runs
    ]
    _apply_review_policy(db)
    failed = [r for r in listed if r["error"]]
    error = f"{len(failed)} of {len(runs)} watches failed" if failed else None
    return Outcome({"watches": listed}, error)


def _notices(notices: list[Any]) -> list[dict[str, Any]]:
    return [{"notice": n.id, "platform": n.platform, "kind": n.kind.value} for n in notices]


def run_rechecks(db: Database, settings: Settings, args: dict[str, Any], report: Report) -> Outcome:
    """Re-check the reported URLs that are due; close what is gone, draft follow-ups."""
    from haechi.notices import recheck

    report(0, None, "re-checking reported URLs")
    run = recheck.run_rechecks(desk_of(db, settings))
    return Outcome(
        {
            "checks": len(run.checks),
            "removed": [c.hit_id for c in run.removed],
            "closed": [n.id for n in run.closed],
            "drafted": _notices([*run.followups.repeats, *run.followups.block_requests]),
            "warnings": [*run.followups.warnings, *run.evidence_errors],
        }
    )


def run_followups(
    db: Database, settings: Settings, args: dict[str, Any], report: Report
) -> Outcome:
    """Draft repeat notices and block requests for overdue notices (a person approves them)."""
    from haechi.notices.followup import follow_up

    report(0, None, "following up overdue notices")
    desk = desk_of(db, settings)
    done = follow_up(desk, desk.clock())
    return Outcome(
        {
            "drafted": _notices([*done.repeats, *done.block_requests]),
            "no_answer": [n.id for n in done.no_answer],
            "warnings": done.warnings,
        }
    )


def run_reminders(
    db: Database, settings: Settings, args: dict[str, Any], report: Report
) -> Outcome:
    """Police reports still unanswered whose reminder is due, each recorded as reminded."""
    from haechi.cases import police

    report(0, None, "checking police reports")
    reminded = police.remind(desk_of(db, settings))
    return Outcome(
        {
            "reminders": [
                {
                    "report": r.id,
                    "case": r.case_ref,
                    "station": r.station,
                    "answer_due": r.answer_due.isoformat(),
                }
                for r in reminded
            ]
        }
    )


Runner = Callable[[Database, Settings, dict[str, Any], Report], Outcome]

RUNNERS: dict[JobKind, Runner] = {
    JobKind.SCAN: run_scan,
    JobKind.WATCHES: run_watches,
    JobKind.RECHECKS: run_rechecks,
    JobKind.FOLLOWUPS: run_followups,
    JobKind.REMINDERS: run_reminders,
}


def runner(kind: JobKind) -> Runner:
    """The function that runs jobs of ``kind``."""
    try:
        return RUNNERS[kind]
    except KeyError:
        raise JobError(f"no runner for jobs of kind {kind}") from None


def is_due(kind: JobKind, db: Database, settings: Settings, now: datetime) -> bool:
    """Whether a scheduled kind has anything to do at ``now``."""
    from haechi.store.watches import WatchStore

    if kind is JobKind.WATCHES:
        with db.session() as session:
            return bool(WatchStore(session).due(now))
    desk = desk_of(db, settings, lambda: now)
    if kind is JobKind.RECHECKS:
        from haechi.notices.recheck import due_checks

        return bool(due_checks(desk, now))
    if kind is JobKind.FOLLOWUPS:
        return _overdue_notices(desk, now)
    if kind is JobKind.REMINDERS:
        from haechi.cases.police import due_reminders

        return bool(due_reminders(desk))
    return False


def _overdue_notices(desk: Desk, now: datetime) -> bool:
    """Whether a sent notice is past its deadline with no follow-up yet (as ``follow_up``)."""
    from haechi.notices.followup import due_for_follow_up
    from haechi.store.notices import NoticeStore

    with desk.db.session() as session:
        return bool(due_for_follow_up(NoticeStore(session), now)[0])
