"""Matching media against every live bank entry.

PDQ: the query's eight dihedral variants (rotations, mirror images) go to the exact range
index in one batch, so a rotated or mirrored re-upload is found; per entry the smallest
distance wins. Hashes below the quality floor are matched on neither side. Exact copies are
found by MD5 and SHA-256 whatever the image's quality, and rank above any PDQ match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from haechi.hashing.media import MediaHashes
from haechi.hashing.signals import SignalKind
from haechi.index import LinearIndex, MatchIndex, hex_to_hashes
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database


@dataclass(frozen=True)
class Match:
    """One bank entry matched by one file, and by which signal."""

    entry_id: int
    signal_kind: SignalKind
    distance: int


def new_index() -> MatchIndex:
    """The index implementation scans use."""
    return LinearIndex()


class BankMatcher:
    """Matches batches of media hashes; built once per scan from the database."""

    def __init__(
        self, db: Database, index: MatchIndex, entry_of: dict[int, int], settings: Settings
    ) -> None:
        self.db = db
        self.index = index
        self.entry_of = entry_of
        self.radius = settings.pdq_radius
        self.min_quality = settings.pdq_min_quality

    @classmethod
    def load(cls, db: Database, settings: Settings) -> BankMatcher:
        """Index every live, reliable PDQ signal of every bank."""
        with db.session() as session:
            rows = BankStore(session).pdq_signals()
        usable = [r for r in rows if r[3] >= settings.pdq_min_quality]
        index = new_index()
        if usable:
            ids = np.array([r[0] for r in usable], dtype=np.int64)
            index.add(ids, hex_to_hashes([r[2] for r in usable]))
        return cls(db, index, {r[0]: r[1] for r in usable}, settings)

    def match(self, batch: Sequence[MediaHashes]) -> list[list[Match]]:
        """Matches for each media item, best first (exact before PDQ, then by distance)."""
        best: list[dict[int, Match]] = [{} for _ in batch]
        with self.db.session() as session:
            store = BankStore(session)
            for kind, attr in ((SignalKind.SHA256, "sha256"), (SignalKind.MD5, "md5")):
                found = store.exact_matches(kind, (getattr(m, attr) for m in batch))
                for k, media in enumerate(batch):
                    for entry_id in found.get(getattr(media, attr), []):
                        best[k].setdefault(entry_id, Match(entry_id, kind, 0))
        self._match_pdq(batch, best)
        return [
            sorted(b.values(), key=lambda m: (m.signal_kind == SignalKind.PDQ, m.distance))
            for b in best
        ]

    def _match_pdq(self, batch: Sequence[MediaHashes], best: list[dict[int, Match]]) -> None:
        owners: list[int] = []
        hexes: list[str] = []
        for k, media in enumerate(batch):
            if media.pdq is None or not media.pdq.reliable(self.min_quality):
                continue
            variants = (*(media.dihedral or (media.pdq,)), *media.content)
            owners.extend([k] * len(variants))
            hexes.extend(v.hex for v in variants)
        if not hexes or len(self.index) == 0:
            return
        result = self.index.search(hex_to_hashes(hexes), self.radius)
        for q, signal_id, distance in zip(
            result.query.tolist(), result.ids.tolist(), result.distances.tolist(), strict=True
        ):
            entry_id = self.entry_of[signal_id]
            seen = best[owners[q]].get(entry_id)
            if seen is None or (seen.signal_kind == SignalKind.PDQ and distance < seen.distance):
                best[owners[q]][entry_id] = Match(entry_id, SignalKind.PDQ, distance)
