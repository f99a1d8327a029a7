"""Export the evidence of hits: every capture that exists, and the name of every one missing.

A case file of forty hits must not be held back because one page died before it was captured:
the bundle carries every capture there is, and the result names each hit without one and why
(still pending, gone since when, or a folder hit never preserved), so the CLI can say so and
exit 1. Hits' capture ids come from the database (:mod:`haechi.store.hit_evidence`); the log
is read only for hits recorded before capture ids were kept there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from haechi.audit.trail import AuditKind, record
from haechi.evidence import BundleSummary, EvidenceConfig, export_bundle
from haechi.evidence.errors import BundleError
from haechi.members.model import Actor
from haechi.store.database import Database
from haechi.store.hit_evidence import EvidenceState, HitEvidenceStore


@dataclass(frozen=True)
class MissingEvidence:
    """A hit asked for that has no capture to export, and why."""

    hit_id: int
    state: str  # pending, gone, not-needed, or "unknown" for no such hit
    reason: str
    at: datetime | None = None

    def describe(self) -> str:
        """One line a person reads: which hit, and why it has no capture."""
        when = f" since {self.at:%Y-%m-%d %H:%M} UTC" if self.at else ""
        if self.state == EvidenceState.GONE.value:
            return f"hit {self.hit_id} is gone{when}: {self.reason}"
        return f"hit {self.hit_id} has no capture: {self.reason}"


@dataclass(frozen=True)
class EvidenceExport:
    """The bundle written (if any capture exists) and the hits left out."""

    summary: BundleSummary
    capture_ids: tuple[str, ...]
    missing: tuple[MissingEvidence, ...]

    @property
    def complete(self) -> bool:
        """Whether every hit asked for is in the bundle."""
        return not self.missing


def _why(state: EvidenceState, error: str | None) -> str:
    if state is EvidenceState.PENDING:
        return f"not captured yet ({error or 'pending'}); run `haechi evidence repair`"
    if state is EvidenceState.NOT_NEEDED:
        return "a folder hit: its file is sealed only when scanned with --preserve"
    return error or "its content had gone before it could be captured"


def select_captures(
    db: Database, config: EvidenceConfig, ids: Sequence[str]
) -> tuple[list[str], list[MissingEvidence]]:
    """Capture ids for a mix of hit ids (digits) and capture ids, and the hits without any.

    Raises :class:`~haechi.evidence.errors.UnknownCapture` for a capture id the log lacks.
    """
    hit_ids = [int(i) for i in ids if i.isdigit()]
    with db.session() as session:
        known = HitEvidenceStore(session).of(hit_ids)
    locker = config.locker()
    legacy: dict[int, list[str]] = {}
    if any(hit in known and not known[hit].captures for hit in hit_ids):
        for record in locker.captures():
            hit_id = record.context.get("hit_id")
            if isinstance(hit_id, int) and hit_id in known and not known[hit_id].captures:
                legacy.setdefault(hit_id, []).append(record.id)
    out: list[str] = []
    missing: list[MissingEvidence] = []
    for item in ids:
        if not item.isdigit():
            locker.get(item)  # raises for an unknown capture id
            out.append(item)
            continue
        hit_id = int(item)
        evidence = known.get(hit_id)
        if evidence is None:
            missing.append(MissingEvidence(hit_id, "unknown", "no such hit"))
            continue
        found = evidence.capture_ids or legacy.get(hit_id, [])
        if found:
            out.extend(found)
        else:
            reason = _why(evidence.state, evidence.error)
            missing.append(
                MissingEvidence(hit_id, evidence.state.value, reason, evidence.checked_at)
            )
    return list(dict.fromkeys(out)), missing


def export_evidence(
    db: Database,
    config: EvidenceConfig,
    ids: Sequence[str],
    out: Path,
    actor: Actor | None = None,
) -> EvidenceExport:
    """Write a bundle of every capture of the hits (and captures) named; name what is missing.

    The export is audited (who, which ids, the bundle's SHA-256; ``actor`` defaults to the
    console). Raises :class:`~haechi.evidence.errors.BundleError` when not one of them has a
    capture.
    """
    capture_ids, missing = select_captures(db, config, ids)
    if not capture_ids:
        lines = "; ".join(m.describe() for m in missing) or "nothing was named"
        raise BundleError(f"nothing to export: {lines}")
    summary = export_bundle(config.locker(), capture_ids, out)
    with db.session() as session:
        record(
            session,
            AuditKind.EVIDENCE_EXPORTED,
            actor or Actor.console(),
            detail={"ids": list(ids), "captures": len(capture_ids), "sha256": summary.sha256},
        )
    return EvidenceExport(summary, tuple(capture_ids), tuple(missing))
