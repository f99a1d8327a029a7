"""Police report packages, and keeping after the station until it answers.

A package is a folder a support worker hands to a police station (on a USB stick or through
the station's upload): ``report.pdf`` (the summary, :mod:`haechi.cases.pdf`), ``evidence.wacz``
(every capture of the case, exported with :func:`haechi.evidence.export_bundle`, verifiable
offline), ``hits.json`` (the same facts for machines), ``credential.json`` (the package's
signed credential: the files' SHA-256, the URLs and hashes cited) and ``SHA256SUMS``. The
victim is the case reference, never her name; bank labels and bank names stay home (the entry id
says which registered item matched). A file found on the analyst's computer
(a folder scan, a Telegram or Discord export) is named by its file name and SHA-256 only: the
analyst's folders say nothing to the police and may say who the analyst is.

Police answers take weeks and get lost. Each package is recorded with the date an answer is
expected; from then on a reminder falls due every ``police_remind_days`` until the answer is
recorded, so a group sees which stations to call.

A package made after a victim withdrew her hashes leaves out their hits, their captures and
the notices that cited only them (:mod:`haechi.notices.withdrawals`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from haechi.audit.trail import AuditKind, record
from haechi.cases.model import PoliceReport
from haechi.cases.pdf import HitLine, NoticeLine, ReportContent, report_pdf
from haechi.cases.service import CaseView, show_case
from haechi.evidence import EvidenceError, export_bundle
from haechi.notices.desk import Desk
from haechi.notices.errors import ReportError
from haechi.notices.model import NoticeKind
from haechi.notices.withdrawals import withdrawn_hits
from haechi.store.cases import CaseStore

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # two letters at least: C:\ is a path
_LOCATIONS = frozenset({"path", "url", "page"})


@dataclass(frozen=True)
class ReportPackage:
    """A written package: its record, its folder and each file's SHA-256."""

    report: PoliceReport
    folder: Path
    files: dict[str, str]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def public_location(location: str) -> str:
    """A hit's location as the package shows it: a URL as it is, a local file by its name."""
    if _SCHEME.match(location) and not location.lower().startswith("file:"):
        return location
    return re.split(r"[\\/]", location.rstrip("\\/"))[-1] or location


# Labels and bank names often carry a victim's name; the entry id says which registered item.
_PRIVATE_KEYS = frozenset({"label", "bank"})


def _public_facts(value: Any) -> Any:
    """The package's JSON facts without local folders or labels (see the module docstring)."""
    if isinstance(value, dict):
        return {
            k: public_location(v) if k in _LOCATIONS and isinstance(v, str) else _public_facts(v)
            for k, v in value.items()
            if k not in _PRIVATE_KEYS
        }
    if isinstance(value, list):
        return [_public_facts(v) for v in value]
    return value


def _takedown(view: CaseView, hit_id: int) -> str:
    items = [
        (n, i)
        for n in view.notices
        if n.kind is not NoticeKind.BLOCK_REQUEST
        for i in n.items
        if i.hit_id == hit_id
    ]
    if not items:
        return "통지 전 (not yet reported)"
    removed = [i.removed_at for _, i in items if i.removed_at is not None]
    if removed:
        return f"삭제됨 (removed) {min(removed):%Y-%m-%d %H:%M} UTC"
    return f"게시 중 (still online); 통지 {len(items)}회"


def _without_withdrawn(desk: Desk, view: CaseView) -> CaseView:
    """The case less the hits of withdrawn hashes, their captures and the notices citing only
    them: she withdrew her consent (:mod:`haechi.notices.withdrawals`)."""
    with desk.db.session() as session:
        gone = withdrawn_hits(session, (h.id for h in view.hits))
    if not gone:
        return view
    kept = {h.id for h in view.hits} - gone
    return replace(
        view,
        hits=tuple(h for h in view.hits if h.id in kept),
        captures=tuple(c for c in view.captures if c.context.get("hit_id") not in gone),
        notices=tuple(n for n in view.notices if any(i.hit_id in kept for i in n.items)),
    )


def make_police_report(desk: Desk, ref: str, station: str, out_dir: Path) -> ReportPackage:
    """Write the package for case ``ref`` under ``out_dir`` and start waiting for an answer."""
    if not station.strip():
        raise ReportError("name the police station the report goes to (--station)")
    now = desk.clock()
    view = _without_withdrawn(desk, show_case(desk, ref))
    hits = view.reportable_hits
    # Her data is redacted unless the case records she allowed the police her name.
    from haechi.redaction.outgoing import police_shield

    shield = police_shield(desk.db, view.case.ref)
    if not hits:
        raise ReportError(f"case {view.case.ref} has no hits to report yet")
    folder = out_dir / f"{view.case.ref}-{now:%Y%m%dT%H%M%SZ}"
    try:
        folder.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise ReportError(f"cannot create {folder}: {exc.strerror or exc}") from None
    bundle_sha = key_id = None
    bundle_name = None
    live = [c.id for c in view.captures]
    if live and desk.evidence is not None:
        locker = desk.evidence.locker()
        try:
            summary = export_bundle(
                locker, live, folder / "evidence.wacz", title=f"case {view.case.ref}"
            )
        except EvidenceError as exc:
            raise ReportError(f"cannot export the case's evidence: {exc}") from None
        bundle_name, bundle_sha, key_id = "evidence.wacz", summary.sha256, summary.checkpoint.key_id
    captures = {c.id: c for c in view.captures}
    by_hit = {
        h.id: next((c for c in view.captures if c.context.get("hit_id") == h.id), None)
        for h in hits
    }
    due = now + timedelta(days=desk.config.police_answer_days)
    content = ReportContent(
        case_ref=view.case.ref,
        station=station.strip(),
        organisation=desk.config.organisation,
        made_at=now,
        answer_due=due,
        hits=[
            HitLine(
                h.id,
                shield.location(public_location(h.location)),
                shield.location(public_location(h.found_in))
                if h.found_in and h.found_in != h.location
                else None,
                h.found_at,
                h.sha256,
                f"{h.signal_kind} {h.distance}",
                c.id if (c := by_hit[h.id]) else None,
                c.sealed if c else None,
                _takedown(view, h.id),
            )
            for h in hits
        ],
        notices=[
            NoticeLine(
                n.id,
                n.platform,
                f"{n.kind.label('ko')} ({n.kind.label()})",
                n.sent_at,
                f"{n.status.label('ko')} ({n.status.label()})",
            )
            for n in view.notices
        ],
        bundle_name=bundle_name,
        bundle_sha256=bundle_sha,
        bundle_key_id=key_id,
        captures=len(captures),
    )
    (folder / "report.pdf").write_bytes(report_pdf(content))
    facts = shield.facts(
        _public_facts(
            {
                "format": "haechi-police-report/v1",
                **{k: v for k, v in view.as_json().items() if k != "police_reports"},
                "hits": [
                    {**h.as_json(), "capture": c.id if (c := by_hit[h.id]) else None} for h in hits
                ],
                "station": station.strip(),
                "made_at": now.isoformat(),
                "answer_due": due.isoformat(),
            }
        )
    )
    shield.write_statement(folder)
    (folder / "hits.json").write_text(
        json.dumps(facts, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    if desk.notary is not None:  # credential.json: the package signed (haechi.trust)
        desk.notary.seal_police_package(folder, station.strip(), now, facts["hits"])
    files = {p.name: _sha256(p) for p in sorted(folder.iterdir())}
    (folder / "SHA256SUMS").write_text(
        "".join(f"{digest}  {name}\n" for name, digest in files.items()), encoding="utf-8"
    )
    with desk.db.session() as session:
        report = CaseStore(session).add_report(
            view.case.ref,
            station.strip(),
            now,
            due,
            timedelta(days=desk.config.police_remind_days),
            str(folder),
            files["report.pdf"],
            bundle_sha,
        )
        record(
            session,
            AuditKind.POLICE_PACKAGE_MADE,
            desk.actor,
            detail={"case": view.case.ref, "station": station.strip(), "hits": len(hits)},
            now=now,
        )
    return ReportPackage(report, folder, files)


def due_reminders(desk: Desk) -> list[PoliceReport]:
    """Reports still waiting for an answer whose next reminder is due now."""
    now = desk.clock()
    with desk.db.session() as session:
        waiting = CaseStore(session).reports(waiting_only=True)
    return [r for r in waiting if (nxt := r.next_reminder) is not None and nxt <= now]


def remind(desk: Desk) -> list[PoliceReport]:
    """The due reminders, each recorded so it comes back only after another interval."""
    due = due_reminders(desk)
    now = desk.clock()
    with desk.db.session() as session:
        store = CaseStore(session)
        return [store.reminded(r.id, now) for r in due]


def record_answer(desk: Desk, report_id: int, answer: str) -> PoliceReport:
    """Record the station's answer (case number, refusal, …); its reminders stop."""
    if not answer.strip():
        raise ReportError("say what the station answered (e.g. its case number)")
    with desk.db.session() as session:
        return CaseStore(session).answered(report_id, desk.clock(), answer.strip())
