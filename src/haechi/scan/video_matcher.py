"""Every registered video's frames in one exact index, and a query video's matches against it.

A scan may meet thousands of videos and a bank may hold thousands more, each of hundreds of
frames: comparing videos pair by pair (as Meta's brute-force vPDQ matcher does) would be
quadratic. Instead every reliable, folded frame of every live registered video is one row of a
:class:`~haechi.index.MultiIndexHashing` index, and a query video's frames go to it in one
batch, with their variants (turned, mirrored, inside borders or caption bars); the rows that
come back are grouped by registered video and judged by the rules of
:mod:`haechi.hashing.video_match`. The same index holds the crop hashes of registered videos'
frames (signal ``vorb``), and the keypoints of their representative frames are searched by a
:class:`~haechi.hashing.geometry.FeatureBank` (found by local features, then verified on an
aligned crop) for the query frames that no hash matched: cropped, picture-in-picture. A
compilation of several registered videos is a match for each of them. A picture is searched in
the same index, and by its keypoints when no hash is near: a still of a registered video (a
screenshot, a thumbnail) matches the frame it shows, or the representative frame standing for
it when it was taken between two sampled frames of a pan or a zoom.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from haechi.errors import StoreError
from haechi.hashing.decode import Pixels
from haechi.hashing.geometry import FeatureBank
from haechi.hashing.local import LocalFeatures
from haechi.hashing.signals import PDQ_RELIABLE_QUALITY, PdqHash, SignalKind
from haechi.hashing.video import VideoOptions
from haechi.hashing.video_format import VideoSignature, fold
from haechi.hashing.video_local import QueryFrame, VideoFeatures
from haechi.hashing.video_match import (
    FrameEvidence,
    FramePair,
    TimeSpan,
    VideoPairing,
    VideoThresholds,
)
from haechi.index import MatchIndex, MultiIndexHashing
from haechi.store.banks import BankStore
from haechi.store.database import Database

DEFAULT_FOLD = VideoOptions.fold_distance
"""Fold registered and query frames alike, as hashing does."""


@dataclass
class _Video:
    """One registered video: its entry and the times of its kept frames."""

    entry: int
    times: list[float]
    step: float
    based: bool
    """Whether ``times`` are those of its own frames (``vpdq``), not of a variant's."""


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
        self.local = FeatureBank()
        self._videos: list[_Video] = []
        self._of_entry: dict[int, int] = {}
        # Per index row: its video and the stretch of it the row stands for.
        self._row_video: list[int] = []
        self._row_span: list[tuple[float, float]] = []
        self._keys: list[tuple[int, float, float]] = []  # representative frame -> video, span
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        """Registered videos held."""
        return len(self._videos)

    @property
    def frames(self) -> int:
        """Rows indexed, over all videos (frames, their crops, representative frames' crops)."""
        return len(self._row_video)

    def query_options(self, options: VideoOptions) -> VideoOptions:
        """Hashing options for queries against this bank: keypoints of query frames only
        when some registered video has representative frames to look for."""
        return replace(options, local=len(self.local) > 0)

    def prepare(self, signature: VideoSignature) -> VideoSignature:
        """The frames that count: reliable ones, near-repeats folded (as when hashing)."""
        return VideoSignature(tuple(fold(signature.frames, self.fold_distance, self.min_quality)))

    def _video(self, entry_id: int, kept: VideoSignature, step: float, based: bool) -> int:
        times = [f.timestamp for f in kept.frames]
        v = self._of_entry.get(entry_id)
        if v is None:
            v = len(self._videos)
            self._videos.append(_Video(entry_id, times, step, based))
            self._of_entry[entry_id] = v
        elif based and not self._videos[v].based:
            self._videos[v] = _Video(entry_id, times, step, True)
        return v

    def _add_rows(
        self, v: int, hashes: Sequence[PdqHash], spans: Sequence[tuple[float, float]]
    ) -> None:
        usable = [k for k, h in enumerate(hashes) if h.reliable(self.min_quality)]
        if not usable:
            return
        first = len(self._row_video)
        rows = np.arange(first, first + len(usable), dtype=np.int64)
        self.index.add(rows, np.concatenate([hashes[k].as_array() for k in usable]))
        self._row_video.extend([v] * len(usable))
        self._row_span.extend(spans[k] for k in usable)
        self._arrays = None

    def add(
        self, entry_id: int, signature: VideoSignature, kind: SignalKind = SignalKind.VPDQ
    ) -> None:
        """Index a registered video's frames (or a variant's: ``vpdq-crop``, ``vpdq-centre``);
        a video with no reliable frame is left out."""
        kept = self.prepare(signature)
        if len(kept) == 0:
            return
        v = self._video(entry_id, kept, signature.step, kind is SignalKind.VPDQ)
        self._add_rows(
            v, [f.pdq for f in kept.frames], [(f.timestamp, f.timestamp) for f in kept.frames]
        )

    def add_features(self, entry_id: int, features: VideoFeatures, rows: bool = True) -> None:
        """Index a registered video's representative frames: their crop hashes go to the
        index (unless ``rows`` is false: a restored index has them), their keypoints to the
        local-features bank."""
        v = self._of_entry.get(entry_id)
        if v is None:
            return  # no reliable frame: nothing to stand for
        for key in features.frames:
            # A crop's hash is of the representative frame itself: it matches that moment.
            # Keypoints match the scene it stands for, until the next one.
            if rows:
                crops = key.crops()
                self._add_rows(v, [c.pdq for c in crops], [(key.start, key.start)] * len(crops))
            self.local.add(len(self._keys), key.features)
            self._keys.append((v, key.start, key.end))

    def _rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._arrays is None:
            spans = np.asarray(self._row_span, dtype=np.float64).reshape(-1, 2)
            self._arrays = (np.asarray(self._row_video, dtype=np.int64), spans[:, 0], spans[:, 1])
        return self._arrays

    def search(
        self,
        query: VideoSignature,
        variants: Iterable[VideoSignature] = (),
        local: Sequence[QueryFrame] = (),
    ) -> list[tuple[int, FrameEvidence, int]]:
        """``(entry id, evidence, median distance)`` of every registered video it matches, by
        its frames, their variants (turned, mirrored, inside borders) and the local features
        of its frames that no hash matched, all together."""
        kept = self.prepare(query)
        if len(kept) == 0 or not self._videos:
            return []
        pairs: dict[int, list[FramePair]] = defaultdict(list)
        matched: set[float] = set()
        for signature in (query, *variants):
            self._search_hashes(self.prepare(signature), pairs, matched)
        for frame in local:
            if frame.timestamp in matched or len(self.local) == 0:
                continue
            for found in self.local.search(frame.features, frame.view):
                v, start, end = self._keys[found.key]
                pairs[v].append(FramePair(frame.timestamp, start, end, found.distance))
        query_times = [f.timestamp for f in kept.frames]
        out = []
        for v, found_pairs in pairs.items():
            video = self._videos[v]
            pairing = VideoPairing(query_times, query.step, video.times, video.step, found_pairs)
            judged = pairing.judge(self.thresholds)
            if judged is not None:
                out.append((video.entry, *judged))
        return out

    def _search_hashes(
        self, kept: VideoSignature, pairs: dict[int, list[FramePair]], matched: set[float]
    ) -> None:
        if len(kept) == 0 or not self._row_video:
            return
        result = self.index.search(kept.hash_array(), self.thresholds.radius)
        if len(result) == 0:
            return
        video, start, end = self._rows()
        times = [f.timestamp for f in kept.frames]
        for q, row, d in zip(
            result.query.tolist(), result.ids.tolist(), result.distances.tolist(), strict=True
        ):
            matched.add(times[q])
            pairs[int(video[row])].append(
                FramePair(times[q], float(start[row]), float(end[row]), int(d))
            )

    def still(
        self,
        pdqs: Sequence[PdqHash],
        features: LocalFeatures | None = None,
        view: Pixels | None = None,
    ) -> list[tuple[int, FrameEvidence, int]]:
        """Registered videos that have a frame within the radius of a picture (any of the
        given variants of one picture), with that frame's time as the evidence; and, by the
        picture's keypoints (``features``, found on its ``view``), those whose representative
        frames it shows.

        Frames are sampled a second apart: in a pan or a zoom, a screenshot taken between two
        samples can be 50 bits from both, while the keypoints of the scene's representative
        frame still align with it (a pan or a zoom is a similarity transform).
        """
        usable = [p for p in pdqs if p.reliable(self.min_quality)]
        if not usable or not self._row_video:
            return []
        result = self.index.search(
            np.concatenate([p.as_array() for p in usable]), self.thresholds.radius
        )
        video, start, end = self._rows()
        best: dict[int, tuple[int, float, float]] = {}  # video -> (distance, start, end)
        for row, d in zip(result.ids.tolist(), result.distances.tolist(), strict=True):
            v = int(video[row])
            if v not in best or d < best[v][0]:
                best[v] = (int(d), float(start[row]), float(end[row]))
        if features is not None and view is not None and len(self.local) > 0:
            # Only for the videos no hash found: their representative frames, best first.
            skip = frozenset(k for k, (v, _, _) in enumerate(self._keys) if v in best)
            for match in self.local.search(features, view, skip):
                v, a, b = self._keys[match.key]
                best.setdefault(v, (match.distance, a, b))
        found = []
        for v, (d, a, b) in best.items():
            times = self._videos[v].times
            i = max(0, int(np.searchsorted(times, a + 1e-6)) - 1)
            stop = times[i + 1] if i + 1 < len(times) else times[i] + self._videos[v].step
            span = TimeSpan(a, round(max(b, stop), 3))
            evidence = FrameEvidence(
                "frame", 1.0, round(1 / len(times), 3), 1, 1, 1, len(times), (span,), ()
            )
            found.append((self._videos[v].entry, evidence, d))
        return found

    @classmethod
    def load(
        cls,
        db: Database,
        thresholds: VideoThresholds | None = None,
        min_quality: int = PDQ_RELIABLE_QUALITY,
    ) -> VideoBank:
        """Every live registered video of every bank, with its representative frames."""
        with db.session() as session:
            store = BankStore(session)
            records = [
                (entry, kind, record)
                for kind in SignalKind
                if kind.is_video or kind is SignalKind.VORB
                for entry, record in store.feature_records(kind)
            ]
        bank = cls(thresholds, min_quality)
        bank.add_records(records)
        return bank

    def add_records(
        self, records: Iterable[tuple[int, SignalKind, bytes]], restored: bool = False
    ) -> None:
        """Index stored ``vpdq`` (and variant) records, then ``vorb`` ones, refusing a damaged
        one by its entry. ``restored``: the frame rows came from :meth:`restore`, so only the
        keypoints of ``vorb`` records are added (in the same order as when it was saved)."""
        later = []
        for entry_id, kind, record in sorted(records, key=lambda r: r[1] is not SignalKind.VPDQ):
            if kind is SignalKind.VORB:
                later.append((entry_id, record))
                continue
            if restored:
                continue
            try:
                signature = VideoSignature.from_bytes(record)
            except ValueError as exc:
                raise _damaged(entry_id, "video", exc) from None
            self.add(entry_id, signature, kind)
        for entry_id, record in later:
            try:
                features = VideoFeatures.from_bytes(record)
            except ValueError as exc:
                raise _damaged(entry_id, "video keypoints", exc) from None
            self.add_features(entry_id, features, rows=not restored)

    def saved_arrays(self) -> dict[str, np.ndarray]:
        """The derived tables beside the frame index, for :mod:`~haechi.scan.video_cache`."""
        times = [v.times for v in self._videos]
        return {
            "row_video": np.asarray(self._row_video, dtype=np.int64),
            "row_span": np.asarray(self._row_span, dtype=np.float64).reshape(-1, 2),
            "video_entry": np.asarray([v.entry for v in self._videos], dtype=np.int64),
            "video_step": np.asarray([v.step for v in self._videos], dtype=np.float64),
            "video_based": np.asarray([v.based for v in self._videos], dtype=np.bool_),
            "times_count": np.asarray([len(t) for t in times], dtype=np.int64),
            "times": np.asarray([x for t in times for x in t], dtype=np.float64),
        }

    def restore(self, index: MatchIndex, arrays: Mapping[str, np.ndarray]) -> None:
        """Take a saved frame index and its tables (an empty bank only); keypoints follow
        through :meth:`add_records` with ``restored=True``."""
        if self._videos or self._row_video:
            raise ValueError("restore needs an empty video bank")
        bounds = np.concatenate([[0], np.cumsum(arrays["times_count"])]).astype(np.int64)
        times = arrays["times"].tolist()
        for k, (entry, step, based) in enumerate(
            zip(
                arrays["video_entry"].tolist(),
                arrays["video_step"].tolist(),
                arrays["video_based"].tolist(),
                strict=True,
            )
        ):
            self._of_entry[entry] = len(self._videos)
            self._videos.append(_Video(entry, times[bounds[k] : bounds[k + 1]], step, based))
        self._row_video = arrays["row_video"].tolist()
        self._row_span = [(a, b) for a, b in arrays["row_span"].tolist()]
        self.index = index
        self._arrays = None


def _damaged(entry_id: int, what: str, exc: ValueError) -> StoreError:
    return StoreError(
        f"bank entry {entry_id} has a damaged {what} record ({exc}); "
        "withdraw it and register the video again"
    )
