"""Scans and their hits. A hit names the bank entry, the distance and where the file was."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.scan.model import Hit, ScanReport, Sighting
from haechi.store.models import BankRow, EntryRow, HitRow, ScanRow, utcnow


class ScanStore:
    """Reads and writes scans and hits within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def start(self, target: str, kind: str) -> int:
        """Open a scan record and return its id."""
        row = ScanRow(target=target, kind=kind)
        self.session.add(row)
        self.session.flush()
        return row.id

    def finish(self, report: ScanReport) -> None:
        """Close a scan record with its counts."""
        row = self.session.get(ScanRow, report.scan_id)
        if row is None:
            return
        row.finished_at = utcnow()
        row.files_seen = report.seen
        row.files_hashed = report.hashed
        row.files_skipped = report.skipped
        row.files_failed = report.failed
        row.hits_found = len(report.hits)

    def add_hit(
        self,
        scan_id: int,
        entry_id: int,
        signal_kind: str,
        distance: int,
        sha256: str,
        seen: Sighting,
        found_at: datetime | None = None,
    ) -> Hit | None:
        """Record a hit; ``None`` when this file at this place already hit this entry."""
        existing = self.session.scalar(
            select(HitRow.id).where(
                HitRow.entry_id == entry_id,
                HitRow.sha256 == sha256,
                HitRow.location == seen.location,
            )
        )
        if existing is not None:
            return None
        row = HitRow(
            scan_id=scan_id,
            entry_id=entry_id,
            signal_kind=signal_kind,
            distance=distance,
            location=seen.location,
            sha256=sha256,
            found_at=found_at or utcnow(),
            source_kind=seen.source_kind,
            found_in=seen.found_in,
            container=seen.container,
            poster=seen.poster,
            posted_at=seen.posted_at,
        )
        self.session.add(row)
        self.session.flush()
        return self._hit(row.id)

    def prior_matches(self, sha256s: Iterable[str]) -> dict[str, list[tuple[int, str, int]]]:
        """``(entry, signal kind, distance)`` of earlier hits per SHA-256, live entries only.

        Lets a scan that meets known bytes at a new place record the hit without hashing again.
        """
        wanted = list(set(sha256s))
        found: dict[str, set[tuple[int, str, int]]] = {}
        for start in range(0, len(wanted), 500):
            rows = self.session.execute(
                select(HitRow.sha256, HitRow.entry_id, HitRow.signal_kind, HitRow.distance)
                .join(EntryRow, EntryRow.id == HitRow.entry_id)
                .where(HitRow.sha256.in_(wanted[start : start + 500]))
                .where(EntryRow.withdrawn_at.is_(None))
            )
            for sha, entry_id, kind, distance in rows:
                found.setdefault(sha, set()).add((entry_id, kind, distance))
        return {sha: sorted(v) for sha, v in found.items()}

    def _hit(self, hit_id: int) -> Hit:
        return self.hits(hit_ids=[hit_id])[0]

    def hits(
        self, scan_id: int | None = None, hit_ids: list[int] | None = None, limit: int | None = None
    ) -> list[Hit]:
        """Hits, newest first, optionally of one scan or with given ids."""
        query = (
            select(HitRow, EntryRow.label, BankRow.name)
            .join(EntryRow, EntryRow.id == HitRow.entry_id)
            .join(BankRow, BankRow.id == EntryRow.bank_id)
            .order_by(HitRow.id.desc())
        )
        if scan_id is not None:
            query = query.where(HitRow.scan_id == scan_id)
        if hit_ids is not None:
            query = query.where(HitRow.id.in_(hit_ids))
        if limit is not None:
            query = query.limit(limit)
        return [
            Hit(
                row.id,
                row.scan_id,
                row.location,
                row.sha256,
                bank,
                row.entry_id,
                label,
                row.signal_kind,
                row.distance,
                row.found_at,
                row.source_kind,
                row.found_in,
                row.container,
                row.poster,
                row.posted_at,
            )
            for row, label, bank in self.session.execute(query)
        ]
