"""Which sealed capture a notice cites for each hit.

The evidence locker keeps captures in its log, not in the database (see
:mod:`haechi.evidence.locker`); each capture made during a scan names its hit in its context.
A notice cites the newest capture of a hit by id, with its sealing time, so the platform (and
later the police) can ask for exactly that record; the image is never attached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from haechi.evidence import Capture, EntryKind, EvidenceConfig, EvidenceError, EvidenceLocker


def sealed_time(capture: Capture) -> datetime:
    """When a capture was sealed, as an aware datetime."""
    return datetime.fromisoformat(capture.sealed)


class Citations:
    """Captures by hit id, read once from the evidence log."""

    def __init__(self, locker: EvidenceLocker | None) -> None:
        self.locker = locker
        self._by_hit: dict[int, list[Capture]] = {}
        self._by_id: dict[str, Capture] = {}
        if locker is None:
            return
        for capture in locker.captures():
            self._by_id[capture.id] = capture
            hit_id = capture.context.get("hit_id")
            if isinstance(hit_id, int):
                self._by_hit.setdefault(hit_id, []).append(capture)

    @classmethod
    def of(cls, config: EvidenceConfig | None) -> Citations:
        """Citations from a home's evidence locker (none when there is no evidence folder)."""
        if config is None or not (config.evidence_dir / "log.jsonl").exists():
            return cls(None)
        return cls(config.locker())

    def for_hit(self, hit_id: int) -> Capture | None:
        """The newest live capture of a hit, else the newest destroyed one, else ``None``."""
        captures = self._by_hit.get(hit_id, [])
        live = [c for c in captures if not c.destroyed]
        chosen = live or captures
        return chosen[-1] if chosen else None

    def all_for_hits(self, hit_ids: Iterable[int]) -> list[Capture]:
        """Every capture of these hits, oldest first."""
        out = [c for h in hit_ids for c in self._by_hit.get(h, [])]
        return sorted(out, key=lambda c: c.log_seq)

    def get(self, capture_id: str) -> Capture | None:
        """A capture by id."""
        return self._by_id.get(capture_id)

    def log(self, capture_ids: Iterable[str], details: Mapping[str, Any]) -> list[str]:
        """Log a notice event on each capture; returns the errors (the notice stands anyway).

        The evidence log has one kind for notices, ``notice_sent``; ``details["event"]``
        says which step of the notice it records (sent, acknowledged, removed, …).
        """
        if self.locker is None:
            return []
        errors = []
        for capture_id in dict.fromkeys(capture_ids):
            try:
                self.locker.record(capture_id, EntryKind.NOTICE_SENT, details)
            except EvidenceError as exc:
                errors.append(f"capture {capture_id}: {exc}")
        return errors
