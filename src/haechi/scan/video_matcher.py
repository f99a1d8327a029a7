"""Every registered video's frames in one exact index, and a query video's matches against it.

A scan may meet thousands of videos and a bank may hold thousands more, each of hundreds of
frames: comparing videos pair by pair (as Meta's brute-force vPDQ matcher does) would be
quadratic. Instead every reliable, folded frame of every live registered video is one row of a
:class:`~haechi.index.MultiIndexHashing` index, and a query video's frames go to it in one
batch; the rows that come back are grouped by registered video and judged by the rules of
:mod:`haechi.hashing.video_match`. A compilation of several registered videos is a match for
each of them. A picture is searched in the same index: a still of a registered video (a
screenshot, a thumbnail) matches the frame it shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from haechi.errors import StoreError
from haechi.hashing.signals import PDQ_RELIABLE_QUALITY, PdqHash, SignalKind
from haechi.hashing.video import VideoOptions
from haechi.hashing.video_format import VideoSignature, fold
from haechi.hashing.video_match import FrameEvidence, TimeSpan, VideoPairing, VideoThresholds
from haechi.index import MatchIndex, MultiIndexHashing
from haechi.store.banks import BankStore
from haechi.store.database import Database

DEFAULT_FOLD = VideoOptions.fold_distance
"""Fold registered and query frames alike, as hashing does."""


class VideoBank:
    """The frames of registered videos, searchable all at once."""

    def __init__(
        self,
        thresholds: VideoThresholds | None = None,
        min_quality: int = PDQ_RELIABLE_QUALITY,
        fold_distance: int = DEFAULT_FOLD,
    ) -> None:
        self.thresholds = thresholds or VideoThresholds()
        self.min_quality = min_quality
        self.fold_distance = fold_distance
        self.index: MatchIndex = MultiIndexHashing()
        # One per indexed record: an entry has up to three (its frames, and their centre 95 %
        # and 70 %), each judged on its own; the best judgement per entry wins.
        self._entries: list[int] = []
        self._starts: list[int] = []  # first row of each record, ascending
        self._times: list[list[float]] = []
        self._steps: list[float] = []
        self._rows = 0

    def __len__(self) -> int:
        """Records held (up to three per registered video)."""
        return len(self._entries)

    @property
    def frames(self) -> int:
        """Frames indexed, over all videos."""
        return self._rows

    def prepare(self, signature: VideoSignature) -> VideoSignature:
        """The frames that count: reliable ones, near-repeats folded (as when hashing)."""
        return VideoSignature(tuple(fold(signature.frames, self.fold_distance, self.min_quality)))

    def add(self, entry_id: int, signature: VideoSignature) -> None:
        """Index a registered video's frames; a video with no reliable frame is left out."""
        kept = self.prepare(signature)
        if len(kept) == 0:
            return
        rows = np.arange(self._rows, self._rows + len(kept), dtype=np.int64)
        self.index.add(rows, kept.hash_array())
        self._entries.append(entry_id)
        self._starts.append(self._rows)
        self._times.append([f.timestamp for f in kept.frames])
        self._steps.append(signature.step)
        self._rows += len(kept)

    def search(
        self, query: VideoSignature, variants: Iterable[VideoSignature] = ()
    ) -> list[tuple[int, FrameEvidence, int]]:
        """``(entry id, evidence, median distance)`` of every registered video it matches,
        by its frames or by one of their variants (mirrored, inside borders), whichever
        agrees on the most frames."""
        found: dict[int, tuple[FrameEvidence, int]] = {}
        for signature in (query, *variants):
            for entry, evidence, d in self._search(signature):
                best = found.get(entry)
                if best is None or best[0].query_matched < evidence.query_matched:
                    found[entry] = (evidence, d)
        return [(entry, evidence, d) for entry, (evidence, d) in found.items()]

    def still(self, pdqs: Sequence[PdqHash]) -> list[tuple[int, FrameEvidence, int]]:
        """Registered videos that have a frame within the radius of a picture (any of the
        given variants of one picture), with that frame's time as the evidence."""
        usable = [p for p in pdqs if p.reliable(self.min_quality)]
        if not usable or self._rows == 0:
            return []
        hashes = np.concatenate([p.as_array() for p in usable])
        result = self.index.search(hashes, self.thresholds.radius)
        owner = np.searchsorted(np.asarray(self._starts), result.ids, side="right") - 1
        best: dict[int, tuple[int, int, int]] = {}  # entry -> (distance, video, row)
        for v, row, d in zip(
            owner.tolist(), result.ids.tolist(), result.distances.tolist(), strict=True
        ):
            entry = self._entries[v]
            if entry not in best or d < best[entry][0]:
                best[entry] = (d, v, row - self._starts[v])
        found = []
        for entry, (d, v, i) in best.items():
            times = self._times[v]
            end = times[i + 1] if i + 1 < len(times) else times[i] + self._steps[v]
            span = TimeSpan(times[i], round(end, 3))
            evidence = FrameEvidence(
                "frame", 1.0, round(1 / len(times), 3), 1, 1, 1, len(times), (span,), ()
            )
            found.append((entry, evidence, d))
        return found

    def _search(self, query: VideoSignature) -> list[tuple[int, FrameEvidence, int]]:
        kept = self.prepare(query)
        if len(kept) == 0 or self._rows == 0:
            return []
        result = self.index.search(kept.hash_array(), self.thresholds.radius)
        if len(result) == 0:
            return []
        owner = np.searchsorted(np.asarray(self._starts), result.ids, side="right") - 1
        by_video: dict[int, list[int]] = defaultdict(list)
        for k, v in enumerate(owner.tolist()):
            by_video[v].append(k)
        query_times = [f.timestamp for f in kept.frames]
        found = []
        for v, picks in by_video.items():
            pairing = self._pairing(v, picks, result.query, result.ids, result.distances)
            judged = VideoPairing(
                query_times,
                query.step,
                self._times[v],
                self._steps[v],
                *pairing,
            ).judge(self.thresholds)
            if judged is not None:
                found.append((self._entries[v], *judged))
        return found

    def _pairing(
        self,
        v: int,
        picks: list[int],
        queries: npt.NDArray[np.int64],
        ids: npt.NDArray[np.int64],
        distances: npt.NDArray[np.int32],
    ) -> tuple[frozenset[int], frozenset[int], list[int]]:
        q = queries[picks]
        rows = ids[picks] - self._starts[v]
        d = distances[picks]
        best: dict[int, int] = {}
        for qi, di in zip(q.tolist(), d.tolist(), strict=True):
            best[qi] = min(di, best.get(qi, di))
        return frozenset(best), frozenset(rows.tolist()), list(best.values())

    @classmethod
    def load(
        cls,
        db: Database,
        thresholds: VideoThresholds | None = None,
        min_quality: int = PDQ_RELIABLE_QUALITY,
    ) -> VideoBank:
        """Every live registered video of every bank."""
        with db.session() as session:
            store = BankStore(session)
            records = [r for k in SignalKind if k.is_video for r in store.feature_records(k)]
        bank = cls(thresholds, min_quality)
        bank.add_records(records)
        return bank

    def add_records(self, records: Iterable[tuple[int, bytes]]) -> None:
        """Index stored ``vpdq`` records, refusing a damaged one by its entry."""
        for entry_id, record in records:
            try:
                signature = VideoSignature.from_bytes(record)
            except ValueError as exc:
                raise StoreError(
                    f"bank entry {entry_id} has a damaged video record ({exc}); "
                    "withdraw it and register the video again"
                ) from None
            self.add(entry_id, signature)
