"""Scans and their hits. A hit names the bank entry, the distance and where the file was."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from haechi.crypto.labels import open_label
from haechi.crypto.vault import vault_of
from haechi.hashing.video_match import FrameEvidence
from haechi.scan.model import Hit, MatchDetail, ScanReport, Sighting
from haechi.store.conflicts import insert_or_nothing
from haechi.store.hit_evidence import EvidenceState, capture_kinds
from haechi.store.models import BankRow, EntryRow, HitRow, ScanRow, location_digest, utcnow
from haechi.store.private_models import EntryLabelRow
from haechi.store.tracking_models import HitAccountRow


def box_of(text: str | None) -> tuple[float, float, float, float] | None:
    """A stored box (JSON ``[left, top, right, bottom]`` fractions), or none if damaged."""
    try:
        values = json.loads(text) if text else None
    except ValueError:
        return None
    if isinstance(values, list) and len(values) == 4:
        try:
            left, top, right, bottom = (float(v) for v in values)
        except (TypeError, ValueError):
            return None
        return (left, top, right, bottom)
    return None


def _detail(row: HitRow) -> MatchDetail:
    return MatchDetail(
        row.signal_kind,
        row.distance,
        row.confidence,
        row.inliers,
        row.coverage,
        box_of(row.region),
        _frames(row),
        box_of(row.found_region),
    )


def _frames(row: HitRow) -> FrameEvidence | None:
    """A video hit's frame evidence; a damaged text reads as none rather than failing a list."""
    if not row.frames:
        return None
    try:
        return FrameEvidence.from_json(row.frames)
    except ValueError:
        return None


_ACCOUNT_ID_LENGTH = 100  # hit_accounts' id columns: String(100)


def _account_id(value: str | None) -> str | None:
    """An account id as ``hit_accounts`` can hold it: an overlong one by its SHA-256.

    Telegram and Discord ids are short, but an export file may say anything, and PostgreSQL
    refuses a value longer than its column (SQLite keeps it): the hit would be lost with it.
    The digest is the same for the same id, so the hits it links stay linked.
    """
    if value is None or len(value) <= _ACCOUNT_ID_LENGTH:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


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
        why: MatchDetail,
        sha256: str,
        seen: Sighting,
        found_at: datetime | None = None,
        preserve_files: bool = False,
    ) -> Hit | None:
        """Record a hit; ``None`` when this file at this place already hit this entry.

        The hit is written with its evidence ``pending`` when it needs a capture (web and chat
        hits; folder hits with ``preserve_files``), in this same transaction: a scan killed
        before the capture is sealed leaves a hit that says so (see :mod:`~.hit_evidence`).
        """
        # A chat message is one sighting wherever its export lies: its link, not the file's path.
        digest = location_digest(seen.location)
        place = HitRow.location_digest == digest
        if seen.message is not None:
            place = or_(
                place,
                HitRow.found_in == seen.message,
                HitRow.location_digest == location_digest(seen.message),
            )
        existing = self.session.scalar(
            select(HitRow.id).where(HitRow.entry_id == entry_id, HitRow.sha256 == sha256, place)
        )
        if existing is not None:
            return None
        values = {
            "scan_id": scan_id,
            "entry_id": entry_id,
            "signal_kind": why.signal_kind,
            "distance": why.distance,
            "confidence": why.confidence,
            "inliers": why.inliers,
            "coverage": why.coverage,
            "region": json.dumps(why.region) if why.region else None,
            "found_region": json.dumps(why.found_region) if why.found_region else None,
            "frames": why.frames.to_json() if why.frames else None,
            "location": seen.location,
            "location_digest": digest,
            "sha256": sha256,
            "found_at": found_at or utcnow(),
            "source_kind": seen.source_kind,
            "found_in": seen.found_in,
            "container": seen.container,
            "poster": seen.poster,
            "posted_at": seen.posted_at,
            "forwarded_from": seen.forwarded_from,
            "evidence_state": (
                EvidenceState.PENDING
                if capture_kinds(seen.source_kind, seen.location, preserve_files)
                else EvidenceState.NOT_NEEDED
            ).value,
        }
        # Another scan may record the same sighting at the same moment (PostgreSQL): uq_hit
        # keeps one row, and the scan that did not write it finds nothing new. Its key holds
        # the location's digest, so a link of any length fits in the index.
        keys = ["entry_id", "sha256", "location_digest"]
        hit_id = insert_or_nothing(self.session, HitRow, values, keys)
        if hit_id is None:
            return None
        if seen.poster_id or seen.container_id or seen.forwarded_from_id:
            self.session.add(
                HitAccountRow(
                    hit_id=hit_id,
                    poster_id=_account_id(seen.poster_id),
                    container_id=_account_id(seen.container_id),
                    forwarded_from_id=_account_id(seen.forwarded_from_id),
                )
            )
            self.session.flush()
        return self._hit(int(hit_id))

    def prior_matches(self, sha256s: Iterable[str]) -> dict[str, list[tuple[int, MatchDetail]]]:
        """How each SHA-256 matched before: ``(entry, detail)`` pairs, live entries only.

        Lets a scan that meets known bytes at a new place record the hit without hashing again.
        """
        wanted = list(set(sha256s))
        found: dict[str, dict[int, MatchDetail]] = {}
        for start in range(0, len(wanted), 500):
            rows = self.session.scalars(
                select(HitRow)
                .join(EntryRow, EntryRow.id == HitRow.entry_id)
                .where(HitRow.sha256.in_(wanted[start : start + 500]))
                .where(EntryRow.withdrawn_at.is_(None))
                .order_by(HitRow.id)
            )
            for row in rows:
                found.setdefault(row.sha256, {}).setdefault(row.entry_id, _detail(row))
        return {sha: sorted(by_entry.items()) for sha, by_entry in found.items()}

    def _hit(self, hit_id: int) -> Hit:
        return self.hits(hit_ids=[hit_id])[0]

    def hits(
        self, scan_id: int | None = None, hit_ids: list[int] | None = None, limit: int | None = None
    ) -> list[Hit]:
        """Hits, newest first, optionally of one scan or with given ids."""
        query = (
            select(HitRow, EntryRow.label, EntryLabelRow.sealed, BankRow.name)
            .join(EntryRow, EntryRow.id == HitRow.entry_id)
            .join(BankRow, BankRow.id == EntryRow.bank_id)
            .outerjoin(EntryLabelRow, EntryLabelRow.entry_id == EntryRow.id)
            .order_by(HitRow.id.desc())
        )
        if scan_id is not None:
            query = query.where(HitRow.scan_id == scan_id)
        if hit_ids is not None:
            query = query.where(HitRow.id.in_(hit_ids))
        if limit is not None:
            query = query.limit(limit)
        vault = vault_of(self.session)
        labels: dict[int, str] = {}

        def label(entry_id: int, plain: str, sealed: bytes | None) -> str:
            if entry_id not in labels:  # each entry's label opened once
                labels[entry_id] = open_label(vault, entry_id, plain, sealed)
            return labels[entry_id]

        return [
            Hit(
                row.id,
                row.scan_id,
                row.location,
                row.sha256,
                bank,
                row.entry_id,
                label(row.entry_id, plain, sealed),
                row.signal_kind,
                row.distance,
                row.found_at,
                row.source_kind,
                row.found_in,
                row.container,
                row.poster,
                row.posted_at,
                row.confidence,
                row.inliers,
                row.coverage,
                _frames(row),
                row.forwarded_from,
            )
            for row, plain, sealed, bank in self.session.execute(query)
        ]
