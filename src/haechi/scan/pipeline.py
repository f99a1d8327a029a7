"""One scan: take media from a source, hash what is new, match it, record hits.

A file is known by its SHA-256: media hashed by an earlier scan are skipped (counted, not
re-hashed), so re-running a scan over a growing folder or a watched site costs only what is
new. Every item ends with a recorded outcome: hashed, skipped or failed with the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from haechi.hashing.decode import DecodeLimits
from haechi.hashing.media import HashOptions, MediaHashes, Outcome, digest_file
from haechi.scan.hashing_pool import HashingPool
from haechi.scan.intake import intake
from haechi.scan.matcher import BankMatcher
from haechi.scan.model import FileOutcome, Found, ScanReport, Sighting
from haechi.scan.preserve import EvidenceKeeper
from haechi.settings import Settings
from haechi.sources import FolderSource, Source
from haechi.store.database import Database
from haechi.store.media import MediaStore
from haechi.store.models import utcnow
from haechi.store.scans import ScanStore

BATCH = 64
Progress = Callable[[int, int | None], None]


def hash_options(settings: Settings, dihedral: bool) -> HashOptions:
    """Hashing options from settings."""
    return HashOptions(
        max_file_bytes=settings.max_file_bytes,
        limits=DecodeLimits(max_pixels=settings.max_pixels, exact=settings.exact_decode),
        dihedral=dihedral,
    )


def _sha256(payload: Path | bytes) -> str:
    if isinstance(payload, bytes):
        return hashlib.sha256(payload).hexdigest()
    return digest_file(payload)[0]


class Scanner:
    """Runs scans against one database with one matcher, built once from the banks."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        keeper: EvidenceKeeper | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        self.matcher = BankMatcher.load(db, settings)
        self.keeper = keeper
        self.clock = clock
        self._files = keeper is not None and keeper.preserve_files  # seal folder hits too

    def scan_folder(self, root: Path, progress: Progress | None = None) -> ScanReport:
        """Scan every image or video under ``root``, recognised by content, not by name."""
        return self.scan_source(FolderSource(root), str(root), progress)

    def scan_source(
        self, source: Source, target: str, progress: Progress | None = None
    ) -> ScanReport:
        """Scan what a source yields (a site, an export, a URL list, a chat)."""
        return self.run(target, source.kind, intake(source), progress)

    def run(
        self,
        target: str,
        kind: str,
        items: Iterable[Found | FileOutcome],
        progress: Progress | None = None,
        total: int | None = None,
    ) -> ScanReport:
        """Scan a stream of media (and outcomes the source already knows) as one scan."""
        with self.db.session() as session:
            scan_id = ScanStore(session).start(target, kind)
        report = ScanReport(scan_id, target)
        if self.keeper is not None:  # hits a killed run left without evidence come first
            report.repaired = self.keeper.repair_due(self.db)
        batch: list[Found] = []
        # Local features cost a third of a query's time: skip them when no bank has any.
        options = replace(hash_options(self.settings, True), local=len(self.matcher.local) > 0)
        with HashingPool(options, self.settings.workers) as pool:
            for item in items:
                if isinstance(item, FileOutcome):
                    report.seen += 1
                    if item.status == "skipped":
                        report.skipped += 1
                    else:
                        report.failed += 1
                        report.failures.append(item)
                    continue
                batch.append(item)
                if len(batch) == BATCH:
                    self._scan_batch(batch, pool, report)
                    batch = []
                    if progress:
                        progress(report.seen, total)
            if batch:
                self._scan_batch(batch, pool, report)
            if progress:
                progress(report.seen, total)
        with self.db.session() as session:
            ScanStore(session).finish(report)
        return report

    def _scan_batch(self, batch: list[Found], pool: HashingPool, report: ScanReport) -> None:
        report.seen += len(batch)
        digests: list[tuple[Found, str]] = []
        for item in batch:
            try:
                digests.append((item, _sha256(item.payload)))
            except OSError as exc:
                report.failed += 1
                reason = exc.strerror or str(exc)
                report.failures.append(FileOutcome(item.seen.location, "failed", reason))
        with self.db.session() as session:
            known = MediaStore(session).known(sha for _, sha in digests)
        fresh: list[Found] = []
        again: list[tuple[Found, str]] = []
        for item, sha in digests:
            if sha in known:
                report.skipped += 1
                again.append((item, sha))
            else:
                known.add(sha)  # the same bytes twice in one batch are hashed once
                fresh.append(item)
        hashed: list[tuple[Sighting, MediaHashes]] = []
        for item, result in zip(fresh, pool.hash_all([f.payload for f in fresh]), strict=True):
            if isinstance(result, str):
                report.failed += 1
                report.failures.append(FileOutcome(item.seen.location, "failed", result))
                continue
            hashed.append((item.seen, result))
            if result.outcome is Outcome.FAILED:
                report.failed += 1
                report.failures.append(FileOutcome(item.seen.location, "failed", result.error))
            else:
                report.hashed += 1
        before = len(report.hits)
        self.record(report, hashed)
        self._rehit(report, again)
        if self.keeper is not None and len(report.hits) > before:
            payloads = {sha: item.payload for item, sha in digests}
            self.keeper.keep(self.db, report, report.hits[before:], payloads)

    def _rehit(self, report: ScanReport, items: list[tuple[Found, str]]) -> None:
        """Known bytes met at a new place are a new hit: a re-upload, found without hashing."""
        if not items:
            return
        with self.db.session() as session:
            scans = ScanStore(session)
            prior = scans.prior_matches(sha for _, sha in items)
            for item, sha in items:
                for entry_id, why in prior.get(sha, []):
                    hit = scans.add_hit(
                        report.scan_id, entry_id, why, sha, item.seen, self.clock(), self._files
                    )
                    if hit is not None:
                        report.hits.append(hit)

    def record(self, report: ScanReport, items: list[tuple[Sighting, MediaHashes]]) -> None:
        """Match hashed items and store media and hits in one transaction."""
        matches = self.matcher.match([m for _, m in items])
        with self.db.session() as session:
            media_store, scans = MediaStore(session), ScanStore(session)
            for (seen, media), found in zip(items, matches, strict=True):
                media_store.record(media)
                for match in found:
                    hit = scans.add_hit(
                        report.scan_id,
                        match.entry_id,
                        match.detail(),
                        media.sha256,
                        seen,
                        self.clock(),
                        self._files,
                    )
                    if hit is not None:
                        report.hits.append(hit)
