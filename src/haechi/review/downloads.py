"""A hit's evidence as files: its first sealed capture as WARC, or a signed WACZ of them all.

The hit page's links and the JSON API both call these, so that each download is opened,
logged as ``viewed`` on the capture and audited the same way whichever door it came through.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from haechi.audit.trail import AuditKind, record
from haechi.errors import HaechiError
from haechi.evidence import EvidenceError, EvidenceLocker
from haechi.evidence.commands import EvidenceConfig
from haechi.members.model import Actor
from haechi.review.hitpage import hit_view
from haechi.scan.evidence_export import export_evidence
from haechi.store.database import Database


class DownloadError(HaechiError):
    """A hit's evidence cannot be given: no such hit, no capture, or destroyed (``gone``)."""

    exit_code = 2

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


def hit_warc(session: Session, config: EvidenceConfig, hit_id: int, actor: Actor) -> bytes:
    """The hit's first sealed capture as WARC bytes (logged as viewed, and audited)."""
    try:
        view = hit_view(session, hit_id)
    except HaechiError:
        raise DownloadError(f"no hit {hit_id}") from None
    ids = view.evidence.capture_ids if view.evidence else []
    if not ids:
        raise DownloadError("this hit has no sealed capture")
    try:
        content = EvidenceLocker(config.evidence_dir, checkpoint_every=0).open(ids[0], actor.name)
    except EvidenceError as exc:
        raise DownloadError(str(exc)) from None
    if content.warc is None:
        raise DownloadError("this capture was destroyed; its manifest remains", gone=True)
    record(
        session,
        AuditKind.EVIDENCE_EXPORTED,
        actor,
        detail={"ids": [str(hit_id)], "captures": 1, "format": "warc"},
    )
    return content.warc


def hit_wacz(db: Database, config: EvidenceConfig, home: Path, hit_id: int, actor: Actor) -> bytes:
    """A signed WACZ bundle of the hit's captures (the export ``haechi export`` makes;
    audited there), built in a folder under ``home`` that is removed at once."""
    with tempfile.TemporaryDirectory(dir=home) as folder:
        out = Path(folder) / f"hit-{hit_id}.wacz"
        export_evidence(db, config, [str(hit_id)], out, actor)
        return out.read_bytes()
