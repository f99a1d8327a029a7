"""Where each hit's evidence stands, and the ids of its captures.

A hit is recorded ``pending`` in the same transaction that records it (see
:meth:`haechi.store.scans.ScanStore.add_hit`); sealing a capture appends it to the evidence log
first and only then marks the hit ``sealed`` here. A crash between the two leaves the hit
pending, never sealed without a capture: the next repair finds the capture in the log (by hit
id and SHA-256) or captures again. A page that has died meanwhile makes the hit ``gone``, with
the time and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from haechi.store.models import HitCaptureRow, HitRow

MESSAGE_SOURCES = frozenset({"telegram-export", "telegram-live", "discord-export", "chat-csv"})
"""Source kinds whose hits are chat messages, sealed with their message record."""


class EvidenceState(StrEnum):
    """Where a hit's evidence stands."""

    PENDING = "pending"  # to be captured (by the scan that found it, or the next repair)
    SEALED = "sealed"  # every capture it needs is in the evidence log
    GONE = "gone"  # the content had gone before it could be captured (when and why are kept)
    NOT_NEEDED = "not-needed"  # a folder hit: the analyst holds the file (unless --preserve)


class CaptureKind(StrEnum):
    """What a capture of a hit holds: a web page and media, a chat message, or a local file."""

    WEB = "web"
    MESSAGE = "message"
    FILE = "file"


def capture_kinds(
    source_kind: str, location: str, preserve_files: bool = False
) -> frozenset[CaptureKind]:
    """The captures a hit needs to count as sealed.

    Web media need a web capture; chat messages their message record (and a web capture too
    when their media were fetched from a URL); local files only when asked to preserve them.
    A live Telegram link is no web page to fetch: its message capture holds the bytes.
    """
    kinds: set[CaptureKind] = set()
    if location.startswith(("http://", "https://")) and source_kind != "telegram-live":
        kinds.add(CaptureKind.WEB)
    if source_kind in MESSAGE_SOURCES:
        kinds.add(CaptureKind.MESSAGE)
    if not kinds and preserve_files:
        kinds.add(CaptureKind.FILE)
    return frozenset(kinds)


@dataclass(frozen=True)
class HitEvidence:
    """A hit's evidence state, when it was last looked at and why it is not sealed."""

    hit_id: int
    state: EvidenceState
    checked_at: datetime | None
    error: str | None
    captures: tuple[tuple[str, CaptureKind], ...]  # (capture id, kind), oldest first

    @property
    def capture_ids(self) -> list[str]:
        """The ids of its sealed captures, oldest first."""
        return [capture_id for capture_id, _ in self.captures]

    @property
    def kinds(self) -> frozenset[CaptureKind]:
        """Which kinds of capture it has."""
        return frozenset(kind for _, kind in self.captures)


class HitEvidenceStore:
    """Reads and writes hits' evidence states and capture ids within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, hit_ids: Iterable[int]) -> dict[int, HitEvidence]:
        """The evidence of these hits (unknown ids are left out)."""
        wanted = list(dict.fromkeys(hit_ids))
        found: dict[int, HitEvidence] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            captures: dict[int, list[tuple[str, CaptureKind]]] = {}
            for row in self.session.scalars(
                select(HitCaptureRow)
                .where(HitCaptureRow.hit_id.in_(chunk))
                .order_by(HitCaptureRow.id)
            ):
                captures.setdefault(row.hit_id, []).append((row.capture_id, CaptureKind(row.kind)))
            for hit in self.session.scalars(select(HitRow).where(HitRow.id.in_(chunk))):
                found[hit.id] = HitEvidence(
                    hit.id,
                    EvidenceState(hit.evidence_state),
                    hit.evidence_checked_at,
                    hit.evidence_error,
                    tuple(captures.get(hit.id, [])),
                )
        return found

    def pending(
        self, checked_before: datetime | None = None, hit_ids: Sequence[int] | None = None
    ) -> list[int]:
        """Pending hits, oldest first; with ``checked_before``, only those not tried since."""
        query = select(HitRow.id).where(HitRow.evidence_state == EvidenceState.PENDING.value)
        if checked_before is not None:
            query = query.where(
                or_(
                    HitRow.evidence_checked_at.is_(None),
                    HitRow.evidence_checked_at < checked_before,
                )
            )
        if hit_ids is not None:
            query = query.where(HitRow.id.in_(list(hit_ids)))
        return list(self.session.scalars(query.order_by(HitRow.id)))

    def add_capture(self, hit_id: int, capture_id: str, kind: CaptureKind, at: datetime) -> None:
        """Remember a sealed capture of a hit (idempotent)."""
        known = self.session.scalar(
            select(HitCaptureRow.id).where(
                HitCaptureRow.hit_id == hit_id, HitCaptureRow.capture_id == capture_id
            )
        )
        if known is None:
            self.session.add(
                HitCaptureRow(hit_id=hit_id, capture_id=capture_id, kind=kind.value, sealed_at=at)
            )
            self.session.flush()

    def settle(
        self, hit_id: int, state: EvidenceState, at: datetime, error: str | None = None
    ) -> None:
        """Set a hit's state, when it was decided and why (``error`` for pending and gone)."""
        row = self.session.get(HitRow, hit_id)
        if row is None:
            return
        row.evidence_state = state.value
        row.evidence_checked_at = at
        row.evidence_error = error
