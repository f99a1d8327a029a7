"""Which sealed capture a notice cites for each hit.

The evidence locker keeps captures in its log; the database keeps which captures each hit has
(``hit_captures``, written when a capture is sealed, see :mod:`haechi.scan.preserve`). A notice
cites the newest capture of a hit by id, with its sealing time, so the platform (and later the
police) can ask for exactly that record; the image is never attached.

Why the database: reading every capture of the log (and its manifest) to cite one hit grew with
the locker, on every notice drafted, sent or rechecked. Now a hit's capture ids come from one
indexed query and only those captures are read from the log. Without a database (a locker
alone) the log is read whole, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from haechi.evidence import Capture, EntryKind, EvidenceConfig, EvidenceError, EvidenceLocker
from haechi.store.database import Database
from haechi.store.hit_evidence import HitEvidenceStore


def sealed_time(capture: Capture) -> datetime:
    """When a capture was sealed, as an aware datetime."""
    return datetime.fromisoformat(capture.sealed)


class Citations:
    """Captures by hit id: ids from the database, records from the evidence log, cached."""

    def __init__(self, locker: EvidenceLocker | None, db: Database | None = None) -> None:
        self.locker = locker
        self.db = db
        self._by_hit: dict[int, list[Capture]] = {}
        self._by_id: dict[str, Capture | None] = {}
        self._whole_log = db is None
        if locker is None or db is not None:
            return
        for capture in locker.captures():
            self._by_id[capture.id] = capture
            hit_id = capture.context.get("hit_id")
            if isinstance(hit_id, int):
                self._by_hit.setdefault(hit_id, []).append(capture)

    @classmethod
    def of(cls, config: EvidenceConfig | None, db: Database | None = None) -> Citations:
        """Citations from a home's evidence locker (none when there is no evidence folder)."""
        if config is None or not (config.evidence_dir / "log.jsonl").exists():
            return cls(None, db)
        return cls(config.locker(), db)

    def _load(self, hit_ids: Iterable[int]) -> None:
        """Read the captures of hits not seen yet: ids by one query, records from the log."""
        if self._whole_log or self.db is None or self.locker is None:
            return
        missing = [h for h in dict.fromkeys(hit_ids) if h not in self._by_hit]
        if not missing:
            return
        with self.db.session() as session:
            known = HitEvidenceStore(session).of(missing)
        for hit_id in missing:
            evidence = known.get(hit_id)
            ids = evidence.capture_ids if evidence is not None else []
            found = [c for c in (self.get(i) for i in ids) if c is not None]
            self._by_hit[hit_id] = sorted(found, key=lambda c: c.log_seq)

    def for_hit(self, hit_id: int) -> Capture | None:
        """The newest live capture of a hit, else the newest destroyed one, else ``None``."""
        self._load([hit_id])
        captures = self._by_hit.get(hit_id, [])
        live = [c for c in captures if not c.destroyed]
        chosen = live or captures
        return chosen[-1] if chosen else None

    def all_for_hits(self, hit_ids: Iterable[int]) -> list[Capture]:
        """Every capture of these hits, oldest first."""
        wanted = list(hit_ids)
        self._load(wanted)
        out = [c for h in wanted for c in self._by_hit.get(h, [])]
        return sorted(out, key=lambda c: c.log_seq)

    def get(self, capture_id: str) -> Capture | None:
        """A capture by id."""
        if capture_id in self._by_id or self._whole_log or self.locker is None:
            return self._by_id.get(capture_id)
        try:
            found: Capture | None = self.locker.get(capture_id)
        except EvidenceError:
            found = None
        self._by_id[capture_id] = found
        return found

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
