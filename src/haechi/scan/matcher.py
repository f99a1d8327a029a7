"""Matching media against every live bank entry, in two stages.

**PDQ.** Every query hash (the image's eight dihedral variants, the picture inside flat
borders, the picture inside caption bars or screenshot chrome) goes to the exact range index
in one batch. The index holds each entry's whole-picture PDQ hashes and the hashes of its
fixed crops (``pdq-crop``), so a re-upload cut down to about one of those crops is found here
too. Per entry the smallest distance wins. Hashes below the quality floor are matched on
neither side. Exact copies are found by MD5 and SHA-256 whatever the image's quality, and rank
above any PDQ match.

**Local features.** What PDQ did not find (bigger or odd crops, stickers, small rotations,
screenshots) is looked for by ORB keypoints, aligned by RANSAC and verified by the PDQ hash of
an aligned crop (:mod:`haechi.hashing.geometry`); such a match is an ``orb`` match whose
distance is that verifying crop's, with the number of agreeing keypoints and the share of the
picture covered as evidence.

**Confirmed false positives.** A match whose file a person confirmed is not that entry (the
negative bank, fed by platforms' feedback) is dropped, by the same test the platform API uses
(:meth:`haechi.platform_api.negatives.NegativeBank.suppresses`).

**Video frames.** A video's sampled frame hashes go to one index of every registered video's
frames (:mod:`haechi.scan.video_matcher`); a ``vpdq`` match's distance is the median over the
query frames that agree, and its evidence the shares of frames and the time ranges matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from haechi.errors import StoreError
from haechi.hashing.crops import Box, oriented
from haechi.hashing.geometry import FeatureBank, LocalMatch
from haechi.hashing.local import LocalFeatures
from haechi.hashing.media import MediaHashes
from haechi.hashing.signals import SignalKind
from haechi.hashing.video_match import FrameEvidence, VideoThresholds
from haechi.index import MatchIndex, hex_to_hashes
from haechi.platform_api.negatives import NegativeBank
from haechi.scan.index_cache import load_range_index
from haechi.scan.model import MatchDetail
from haechi.scan.video_cache import load_video_bank
from haechi.scan.video_matcher import VideoBank
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database
from haechi.store.models import MediaRow

# Best first: exact copies, then the whole picture's PDQ, then crops, then local features.
_RANK = {
    SignalKind.SHA256: 0,
    SignalKind.MD5: 0,
    SignalKind.PDQ: 1,
    SignalKind.PDQ_CROP: 2,
    SignalKind.ORB: 3,
    SignalKind.VPDQ: 1,
}
_PDQ_BITS = 256


@dataclass(frozen=True)
class Match:
    """One bank entry matched by one file, by which signal, and the evidence for it.

    ``distance`` is in PDQ bits (0 for exact copies; for ``orb``, the distance of the aligned
    crop that verified it). ``inliers`` and ``coverage`` are set for ``orb`` matches only.
    ``confidence`` (0-1) ranks matches for a reviewer: it is not a probability.
    """

    entry_id: int
    signal_kind: SignalKind
    distance: int
    inliers: int | None = None
    coverage: float | None = None
    confidence: float = 1.0
    region: Box | None = None
    """For ``orb`` matches: the crop of the bank's picture that verified the match."""
    frames: FrameEvidence | None = None
    """For ``vpdq`` matches: which frames agree, and where they are in both videos."""
    found_region: Box | None = None
    """For ``orb`` matches: where the bank's picture lies in the matched file (fractions)."""

    def detail(self) -> MatchDetail:
        """The evidence of this match, as a hit records it."""
        return MatchDetail(
            self.signal_kind.value,
            self.distance,
            self.confidence,
            self.inliers,
            self.coverage,
            self.region,
            self.frames,
            self.found_region,
        )

    @classmethod
    def exact(cls, entry_id: int, kind: SignalKind) -> Match:
        """An exact copy, by MD5 or SHA-256."""
        return cls(entry_id, kind, 0)

    @classmethod
    def pdq(cls, entry_id: int, kind: SignalKind, distance: int) -> Match:
        """A PDQ match (whole picture or crop); confidence falls linearly with distance."""
        return cls(entry_id, kind, distance, confidence=round(1 - distance / (_PDQ_BITS / 2), 3))

    @classmethod
    def video(cls, entry_id: int, evidence: FrameEvidence, distance: int) -> Match:
        """A video match; confidence weighs the distance and the larger share of frames."""
        share = max(evidence.query_share, evidence.bank_share)
        confidence = (1 - distance / (_PDQ_BITS / 2)) * (0.5 + 0.5 * share)
        return cls(
            entry_id, SignalKind.VPDQ, distance, confidence=round(confidence, 3), frames=evidence
        )

    @classmethod
    def local(cls, found: LocalMatch, orientation: int = 1) -> Match:
        """A local-features match; confidence also weighs how many keypoints agree.

        ``orientation`` is the file's EXIF orientation: the box found in its stored pixels is
        turned to lie where its preview shows it."""
        agreement = min(1.0, found.inliers / 40)
        confidence = (1 - found.distance / (_PDQ_BITS / 2)) * (0.75 + 0.25 * agreement)
        return cls(
            found.key,
            SignalKind.ORB,
            found.distance,
            inliers=found.inliers,
            coverage=round(found.coverage, 3),
            confidence=round(confidence, 3),
            region=found.box,
            found_region=oriented(found.found, orientation) if found.found else None,
        )


class BankMatcher:
    """Matches batches of media hashes; built once per scan from the database."""

    def __init__(
        self,
        db: Database,
        index: MatchIndex,
        settings: Settings,
        local: FeatureBank | None = None,
        videos: VideoBank | None = None,
        negatives: NegativeBank | None = None,
    ) -> None:
        self.db = db
        self.negatives = negatives or NegativeBank()
        self.index = index
        self.local = local or FeatureBank()
        self.videos = videos or VideoBank(min_quality=settings.pdq_min_quality)
        self.radius = settings.pdq_radius
        self.min_quality = settings.pdq_min_quality
        self._owners: dict[int, tuple[int, SignalKind]] = {}

    @classmethod
    def load(cls, db: Database, settings: Settings, index: MatchIndex | None = None) -> BankMatcher:
        """The saved PDQ/crop index (rebuilt if stale) and every local-features record.

        ``index`` replaces the saved one: the Ray runner's index sharded across actors.
        """
        if index is None:
            index, _ = load_range_index(db, settings)
        with db.session() as session:
            records = BankStore(session).feature_records()
        local = FeatureBank()
        for entry_id, record in records:
            try:
                local.add(entry_id, LocalFeatures.from_bytes(record))
            except ValueError as exc:
                raise StoreError(
                    f"bank entry {entry_id} has a damaged local-features record ({exc}); "
                    "withdraw it and register the file again"
                ) from None
        videos, _ = load_video_bank(db, settings, VideoThresholds(radius=settings.pdq_radius))
        with db.session() as session:
            negatives = NegativeBank.load(session)
        return cls(db, index, settings, local, videos, negatives)

    def owners(self, signal_ids: Sequence[int]) -> dict[int, tuple[int, SignalKind]]:
        """Entry and kind of matched signals, asked of the database once per signal."""
        missing = [s for s in signal_ids if s not in self._owners]
        if missing:
            with self.db.session() as session:
                self._owners.update(BankStore(session).signal_owners(missing))
        return self._owners

    def match(self, batch: Sequence[MediaHashes]) -> list[list[Match]]:
        """Matches for each media item, best first (exact, PDQ, crop, local; then distance)."""
        best: list[dict[int, Match]] = [{} for _ in batch]
        with self.db.session() as session:
            store = BankStore(session)
            for kind, attr in ((SignalKind.SHA256, "sha256"), (SignalKind.MD5, "md5")):
                found = store.exact_matches(kind, (getattr(m, attr) for m in batch))
                for k, media in enumerate(batch):
                    for entry_id in found.get(getattr(media, attr), []):
                        best[k].setdefault(entry_id, Match.exact(entry_id, kind))
        self._match_pdq(batch, best)
        self._match_local(batch, best)
        self._match_video(batch, best)
        self._suppress_negatives(batch, best)
        return [sorted(b.values(), key=lambda m: (_RANK[m.signal_kind], m.distance)) for b in best]

    def _match_pdq(self, batch: Sequence[MediaHashes], best: list[dict[int, Match]]) -> None:
        item_of: list[int] = []
        hexes: list[str] = []
        for k, media in enumerate(batch):
            if media.pdq is None or not media.pdq.reliable(self.min_quality):
                continue
            variants = (*(media.dihedral or (media.pdq,)), *media.content, *media.regions)
            item_of.extend([k] * len(variants))
            hexes.extend(v.hex for v in variants)
        if not hexes or len(self.index) == 0:
            return
        result = self.index.search(hex_to_hashes(hexes), self.radius)
        owners = self.owners(result.ids.tolist())
        for q, signal_id, distance in zip(
            result.query.tolist(), result.ids.tolist(), result.distances.tolist(), strict=True
        ):
            entry_id, kind = owners[signal_id]
            found = Match.pdq(entry_id, kind, distance)
            seen = best[item_of[q]].get(entry_id)
            if seen is None or (_RANK[seen.signal_kind], seen.distance) > (_RANK[kind], distance):
                best[item_of[q]][entry_id] = found

    def _suppress_negatives(
        self, batch: Sequence[MediaHashes], best: list[dict[int, Match]]
    ) -> None:
        """Drop matches a person confirmed as false positives (the negative bank), as the
        platform API does: the file's digests or any of its searched PDQ hashes."""
        if len(self.negatives) == 0:
            return
        for media, found in zip(batch, best, strict=True):
            variants = (*(media.dihedral or ()), *media.content, *media.regions)
            pdqs = [media.pdq, *variants] if media.pdq is not None else list(variants)
            near = hex_to_hashes([p.hex for p in pdqs]) if pdqs else None
            digests = (media.md5, media.sha256)
            for entry_id in [e for e in found if self.negatives.suppresses(e, near, digests)]:
                del found[entry_id]

    def still_matches(self, session: Session, sha256: str, entry_id: int) -> bool:
        """Whether known bytes that matched ``entry_id`` before still do: not if a person has
        since confirmed them a false positive of it (a re-hit is recorded without matching)."""
        if len(self.negatives) == 0:
            return True
        media = session.get(MediaRow, sha256)
        near = hex_to_hashes([media.pdq]) if media is not None and media.pdq else None
        digests = (sha256, media.md5) if media is not None else (sha256,)
        return not self.negatives.suppresses(entry_id, near, digests)

    def _match_video(self, batch: Sequence[MediaHashes], best: list[dict[int, Match]]) -> None:
        if len(self.videos) == 0:
            return
        for k, media in enumerate(batch):
            if media.video is not None:
                video = media.video
                found = self.videos.search(
                    video.signature, video.variants.values(), video.local
                )
            elif media.pdq is not None and media.pdq.reliable(self.min_quality):
                # A still of a registered video (a screenshot, a thumbnail) is one of its frames.
                variants = (*(media.dihedral or (media.pdq,)), *media.content, *media.regions)
                found = self.videos.still(variants, media.features, media.view)
            else:
                continue
            for entry_id, evidence, distance in found:
                best[k].setdefault(entry_id, Match.video(entry_id, evidence, distance))

    def _match_local(self, batch: Sequence[MediaHashes], best: list[dict[int, Match]]) -> None:
        if len(self.local) == 0:
            return
        for k, media in enumerate(batch):
            if media.features is None or media.view is None:
                continue
            skip = frozenset(best[k])
            for found in self.local.search(media.features, media.view, skip):
                best[k][found.key] = Match.local(found, media.orientation)
