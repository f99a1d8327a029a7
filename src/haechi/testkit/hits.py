"""Hits for the review pages' tests, screenshots and benchmark: real rows, real evidence.

A hit made here is what a scan would have recorded: a bank entry registered from a real
photo (hashes only), a scan, a hit at a web location and, when asked, a sealed capture in the
evidence store holding the file, so previews come from the evidence store as in use. The
bulk maker writes a hundred thousand hits through SQL for ``bench/web.py``.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from haechi.evidence import EvidenceLocker
from haechi.evidence.resource import file_evidence
from haechi.members.model import Actor
from haechi.review.register import Upload, register_uploads
from haechi.scan.model import MatchDetail, Sighting
from haechi.scan.preserve import ensure_key, evidence_config
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.hit_evidence import CaptureKind, EvidenceState, HitEvidenceStore
from haechi.store.models import BankRow, CaseRow, EntryRow, HitRow, ReviewRow, ScanRow
from haechi.store.scans import ScanStore
from haechi.testkit.photos import sample_image


def photo_bytes(name: str = "astronaut", fmt: str = "JPEG") -> bytes:
    """A real sample photo's bytes."""
    out = io.BytesIO()
    sample_image(name).convert("RGB").save(out, fmt, quality=90)
    return out.getvalue()


@dataclass(frozen=True)
class ReviewWorld:
    """What :func:`seed_review_world` made."""

    entry: int
    with_preview: tuple[int, ...]  # hits whose file is sealed in the evidence store
    without_preview: int  # a hit with no capture: judged by its match evidence alone


def seed_hit(
    db: Database,
    settings: Settings,
    folder: Path,
    *,
    entry: int,
    data: bytes,
    location: str,
    page: str | None = None,
    detail: MatchDetail | None = None,
    sealed: bool = True,
    now: datetime,
) -> int:
    """A web hit of ``entry`` at ``location``; with ``sealed``, its file sealed as evidence."""
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    with db.session() as session:
        scans = ScanStore(session)
        scan_id = scans.start(page or location, "web")
        hit = scans.add_hit(
            scan_id,
            entry,
            detail or MatchDetail("pdq", 4),
            sha,
            Sighting(location, "web", page),
            found_at=now,
        )
        assert hit is not None
        hit_id = hit.id
    if sealed:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"hit-{hit_id}.jpg"
        path.write_bytes(data)
        locker = EvidenceLocker(evidence_config(settings).evidence_dir, checkpoint_every=0)
        capture = locker.seal(file_evidence(path, data, {"hit_id": hit_id}))
        path.unlink()
        with db.session() as session:
            store = HitEvidenceStore(session)
            store.add_capture(hit_id, capture.id, CaptureKind.FILE, now)
            store.settle(hit_id, EvidenceState.SEALED, now)
    return hit_id


def seed_review_world(
    db: Database, settings: Settings, folder: Path, now: datetime, bank: str = "victims"
) -> ReviewWorld:
    """A registered photo and three hits on a board: two with sealed files, one without."""
    data = photo_bytes("astronaut")
    ensure_key(evidence_config(settings))  # the organisation's signing key, as a first scan makes
    with db.session() as session:
        entry = register_uploads(
            session, settings, Actor.console(), bank, [Upload("a.jpg", data)], now=now
        )[0].entry.id
    board = "https://board.example"
    sealed = tuple(
        seed_hit(
            db,
            settings,
            folder,
            entry=entry,
            data=data if i == 0 else photo_bytes("astronaut", "PNG"),
            location=f"{board}/media/{i}.jpg",
            page=f"{board}/post/{i}",
            detail=(
                MatchDetail(
                    "pdq", 4 + i, 0.9, 40, 0.6, (0.1, 0.1, 0.8, 0.9), None, (0.25, 0.2, 0.75, 0.7)
                )
                if i
                else None
            ),
            now=now,
        )
        for i in range(2)
    )
    bare = seed_hit(
        db,
        settings,
        folder,
        entry=entry,
        data=photo_bytes("chelsea"),
        location=f"{board}/media/other.jpg",
        page=f"{board}/post/9",
        detail=MatchDetail("pdq", 28, 0.4),
        sealed=False,
        now=now,
    )
    return ReviewWorld(entry, sealed, bare)


def bulk_hits(db: Database, hits: int, cases: int, now: datetime, seed: int = 7) -> None:
    """``hits`` hits over ``cases`` cases (one bank entry each), half of them reviewed."""
    rng = random.Random(seed)
    with db.session() as session:
        bank = BankRow(name="bench", description="", created_at=now)
        session.add(bank)
        session.flush()
        session.execute(
            insert(CaseRow), [{"ref": f"C-{i:05d}", "created_at": now} for i in range(cases)]
        )
        session.execute(
            insert(EntryRow),
            [
                {"bank_id": bank.id, "label": "", "case_ref": f"C-{i:05d}", "added_at": now}
                for i in range(cases)
            ],
        )
        entries = [e.id for e in session.query(EntryRow.id).order_by(EntryRow.id)]
        scan = ScanRow(target="https://bench.example/", kind="web", started_at=now)
        session.add(scan)
        session.flush()
        rows = []
        for i in range(hits):
            rows.append(
                {
                    "scan_id": scan.id,
                    "entry_id": entries[i % len(entries)],
                    "signal_kind": rng.choice(("pdq", "pdq", "pdq-crop", "sha256")),
                    "distance": rng.randint(0, 31),
                    "confidence": rng.random(),
                    "location": f"https://host{i % 50}.example/media/{i}.jpg",
                    "found_in": f"https://host{i % 50}.example/post/{i // 3}",
                    "sha256": f"{rng.getrandbits(256):064x}",
                    "found_at": now - timedelta(minutes=i),
                    "source_kind": rng.choice(("web", "web", "url-list", "telegram-export")),
                    "evidence_state": "not-needed",
                    "region": json.dumps([0.1, 0.1, 0.9, 0.9]) if i % 10 == 0 else None,
                }
            )
        for start in range(0, hits, 10_000):
            session.execute(insert(HitRow), rows[start : start + 10_000])
        decided = [{"hit_id": i, "decision": "confirmed", "reviewer": "bench", "reason": "",
                    "decided_at": now} for i in range(1, hits + 1, 2)]  # fmt: skip
        for start in range(0, len(decided), 10_000):
            session.execute(insert(ReviewRow), decided[start : start + 10_000])
