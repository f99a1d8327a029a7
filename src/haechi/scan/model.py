"""Records of scanning: a hit, a per-file outcome, and the report of one scan."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from haechi.hashing.video_match import FrameEvidence


@dataclass(frozen=True)
class Sighting:
    """Where a file was met: its location, and the page/room, poster and time where known.

    ``message`` is the chat message's link when the file came from an export (Telegram,
    Discord): a message is one sighting wherever its export was unpacked, so hits are told
    apart by it rather than by the file's path.
    """

    location: str
    source_kind: str = "folder"
    found_in: str | None = None
    container: str | None = None
    poster: str | None = None
    posted_at: datetime | None = None
    message: str | None = None
    forwarded_from: str | None = None  # the channel or user a chat message was forwarded from
    # The accounts behind it as the source names them (Telegram ``channel123``/``user123``,
    # Discord snowflakes): names change, ids do not (kept in ``hit_accounts``, haechi.tracking).
    poster_id: str | None = None
    container_id: str | None = None
    forwarded_from_id: str | None = None


@dataclass(frozen=True)
class MatchDetail:
    """Why a file matched an entry: the signal, its distance and the evidence a reviewer weighs.

    ``inliers`` and ``coverage`` come from local-feature matches (geometrically consistent
    keypoints, and the share of the bank's picture the copy covers); ``region`` is the crop of
    the bank's picture, as fractions ``(left, top, right, bottom)``, that verified it, and
    ``found_region`` where that picture lies in the matched file (same form; what a reviewer
    sees outlined on the file's preview).
    ``frames`` is a video match's evidence: the shares of frames that agree and where they
    are in both videos.
    """

    signal_kind: str
    distance: int
    confidence: float = 1.0
    inliers: int | None = None
    coverage: float | None = None
    region: tuple[float, float, float, float] | None = None
    frames: FrameEvidence | None = None
    found_region: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class Hit:
    """A file that matched a bank entry."""

    id: int
    scan_id: int
    location: str
    sha256: str
    bank: str
    entry: int
    label: str
    signal_kind: str
    distance: int
    found_at: datetime
    source_kind: str = "folder"
    found_in: str | None = None
    container: str | None = None
    poster: str | None = None
    posted_at: datetime | None = None
    confidence: float = 1.0
    inliers: int | None = None
    coverage: float | None = None
    frames: FrameEvidence | None = None
    forwarded_from: str | None = None

    def evidence_text(self) -> str:
        """How sure the match is, in words a reviewer reads: confidence, keypoints, coverage."""
        text = f"confidence {self.confidence:.2f}"
        if self.inliers is not None:
            text += f", {self.inliers} keypoints, {self.coverage or 0:.0%} covered"
        return text

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form scripts depend on (``path`` or ``url`` by location)."""
        where = "url" if self.location.startswith(("http://", "https://")) else "path"
        return {
            "id": self.id,
            where: self.location,
            "sha256": self.sha256,
            "bank": self.bank,
            "entry": self.entry,
            "label": self.label,
            "signal": self.signal_kind,
            "distance": self.distance,
            "confidence": self.confidence,
            "inliers": self.inliers,
            "coverage": self.coverage,
            "scan": self.scan_id,
            "found_at": self.found_at.isoformat(),
            "source": self.source_kind,
            "page": self.found_in,
            "container": self.container,
            "poster": self.poster,
            "posted_at": self.posted_at.isoformat() if self.posted_at else None,
            "forwarded_from": self.forwarded_from,
            "frames": json.loads(self.frames.to_json()) if self.frames else None,
        }


@dataclass(frozen=True)
class Found:
    """A media item to check: its bytes (or a local path) and where it was met."""

    payload: Path | bytes = field(repr=False)
    seen: Sighting


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file of a scan: hashed, skipped as seen before, or failed."""

    location: str
    status: str
    reason: str | None = None


@dataclass(frozen=True)
class EvidenceOutcome:
    """What became of one hit's evidence: ``sealed`` (its captures), ``gone`` or ``pending``.

    ``reason`` says why a hit is gone or still pending; ``at`` is when that was decided.
    """

    hit_id: int
    state: str
    captures: tuple[str, ...] = ()
    reason: str | None = None
    at: datetime | None = None


@dataclass
class ScanReport:
    """Counts and results of one scan."""

    scan_id: int
    target: str
    seen: int = 0
    hashed: int = 0
    skipped: int = 0
    failed: int = 0
    hits: list[Hit] = field(default_factory=list)
    failures: list[FileOutcome] = field(default_factory=list)
    captures: dict[int, str] = field(default_factory=dict)  # hit id -> sealed capture id
    capture_failures: dict[int, str] = field(default_factory=dict)  # hit id -> why
    # hits of earlier runs whose pending evidence this scan settled first (see scan.preserve)
    repaired: list[EvidenceOutcome] = field(default_factory=list)

    def target_failure(self) -> str | None:
        """Why the target itself could not be had, or ``None``.

        A source reports its target like any item: a failure at the target's own location
        (connection refused, HTTP 404, a refused private address). When that is so and nothing
        was hashed, the scan found nothing because the target failed, which a scheduled run
        must tell apart from some items failing.
        """
        if self.hashed:
            return None
        wanted = _place(self.target)
        for failure in self.failures:
            if _place(failure.location) == wanted:
                return failure.reason or "failed"
        return None


def _place(location: str) -> str:
    """A location compared loosely: no fragment or trailing slash, scheme and host lower case."""
    head, _, _ = location.partition("#")
    scheme, sep, rest = head.partition("://")
    if sep:
        host, slash, path = rest.partition("/")
        head = f"{scheme.lower()}://{host.lower()}{slash}{path}"
    return head.rstrip("/")
