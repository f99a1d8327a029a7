"""One scan: take media from a source, hash what is new, match it, record hits.

A file is known by its SHA-256: media hashed by an earlier scan are skipped (counted, not
re-hashed), so re-running a scan over a growing folder or a watched site costs only what is
new. Every item ends with a recorded outcome: hashed, skipped or failed with the reason; an
item that raises where no one foresaw it (reading, hashing, matching, recording) is caught at
that item and recorded with the exception's type, and the scan goes on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from haechi.errors import HaechiError
from haechi.hashing.decode import DecodeLimits
from haechi.hashing.media import HashOptions, MediaHashes, Outcome, digest_file
from haechi.scan.hashing_pool import HashingPool, Payload
from haechi.scan.intake import intake
from haechi.scan.matcher import BankMatcher
from haechi.scan.model import FileOutcome, Found, Hit, ScanReport, Sighting
from haechi.scan.preserve import EvidenceKeeper
from haechi.settings import Settings
from haechi.sources import FolderSource, Source
from haechi.sources.records import error_text
from haechi.store.database import Database
from haechi.store.media import MediaStore
from haechi.store.models import utcnow
from haechi.store.scans import ScanStore

BATCH = 64
Progress = Callable[[int, int | None], None]
HashAll = Callable[[Sequence[Payload]], Iterable[MediaHashes | str]]
_T = TypeVar("_T")


def hash_options(settings: Settings, dihedral: bool) -> HashOptions:
    """Hashing options from settings."""
    return HashOptions(
        max_file_bytes=settings.max_file_bytes,
        limits=DecodeLimits(max_pixels=settings.max_pixels, exact=settings.exact_decode),
        dihedral=dihedral,
    )


def _until_error(
    items: Iterable[Found | FileOutcome], stopped: list[HaechiError]
) -> Iterator[Found | FileOutcome]:
    """The items, ending (not raising) at a source's :class:`HaechiError`, kept in ``stopped``.

    So a source that cannot go on part-way still has what it gave first hashed and recorded.
    """
    try:
        yield from items
    except HaechiError as exc:
        stopped.append(exc)


def _sha256(payload: Path | bytes) -> str:
    if isinstance(payload, bytes):
        return hashlib.sha256(payload).hexdigest()
    return digest_file(payload)[0]


def count_outcome(report: ScanReport, item: FileOutcome) -> None:
    """Count an outcome the source already knew (a skip or a failure) in the report."""
    report.seen += 1
    if item.status == "skipped":
        report.skipped += 1
    else:
        report.failed += 1
        report.failures.append(item)


@dataclass
class Hashed:
    """A batch after the hash stage: what the record stage matches, records and preserves.

    ``digests`` holds (position in the batch, SHA-256) of every item that could be read, so
    the record stage finds a hit's bytes in the batch for its evidence. The stages are apart
    so that another runner (:mod:`haechi.distributed`) can run them in other processes.
    """

    hashed: list[tuple[Sighting, MediaHashes]] = field(default_factory=list)
    again: list[tuple[Sighting, str]] = field(default_factory=list)  # known bytes, new place?
    digests: list[tuple[int, str]] = field(default_factory=list)


def hash_stage(
    db: Database, batch: Sequence[Found], hash_all: HashAll, report: ScanReport
) -> Hashed:
    """Digest each item, set aside bytes an earlier scan hashed, hash the rest (counted)."""
    report.seen += len(batch)
    out = Hashed()
    for k, item in enumerate(batch):
        try:
            out.digests.append((k, _sha256(item.payload)))
        except Exception as exc:  # one item ends with a recorded failure; the batch goes on
            report.failed += 1
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else None
            report.failures.append(
                FileOutcome(item.seen.location, "failed", reason or error_text(exc))
            )
    with db.session() as session:
        known = MediaStore(session).known(sha for _, sha in out.digests)
    fresh: list[Found] = []
    for k, sha in out.digests:
        if sha in known:
            report.skipped += 1
            out.again.append((batch[k].seen, sha))
        else:
            known.add(sha)  # the same bytes twice in one batch are hashed once
            fresh.append(batch[k])
    for item, result in zip(fresh, hash_all([f.payload for f in fresh]), strict=True):
        if isinstance(result, str):
            report.failed += 1
            report.failures.append(FileOutcome(item.seen.location, "failed", result))
            continue
        out.hashed.append((item.seen, result))
        if result.outcome is Outcome.FAILED:
            report.failed += 1
            report.failures.append(FileOutcome(item.seen.location, "failed", result.error))
        else:
            report.hashed += 1
    return out


class Scanner:
    """Runs scans against one database with one matcher, built once from the banks."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        keeper: EvidenceKeeper | None = None,
        clock: Callable[[], datetime] = utcnow,
        matcher: BankMatcher | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.matcher = matcher or BankMatcher.load(db, settings)
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
        return self.run(target, source.kind, intake(source, where=target), progress)

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
        stopped: list[HaechiError] = []
        with HashingPool(self.hash_options(), self.settings.workers) as pool:
            for item in _until_error(items, stopped):
                if isinstance(item, FileOutcome):
                    count_outcome(report, item)
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
        if stopped:  # the source could not go on; what it gave first is recorded above
            raise stopped[0]
        return report

    def hash_options(self) -> HashOptions:
        """How this scan hashes: what the banks can match decides what is worth computing."""
        # Local features cost a third of a query's time: skip them when no bank has any (a
        # picture may be a still of a registered video: its representative frames count).
        local = len(self.matcher.local) > 0 or len(self.matcher.videos.local) > 0
        options = replace(hash_options(self.settings, True), local=local)
        return replace(options, video=self.matcher.videos.query_options(options.video))

    def _scan_batch(self, batch: list[Found], pool: HashingPool, report: ScanReport) -> None:
        self.record_stage(report, batch, hash_stage(self.db, batch, pool.hash_all, report))

    def record_stage(self, report: ScanReport, batch: Sequence[Found], hashed: Hashed) -> None:
        """Match and record a hashed batch, re-hit known bytes at new places, seal new hits."""
        before = len(report.hits)
        self.record(report, hashed.hashed)
        self._rehit(report, hashed.again)
        if self.keeper is not None and len(report.hits) > before:
            payloads = {sha: batch[k].payload for k, sha in hashed.digests}
            try:
                self.keeper.keep(self.db, report, report.hits[before:], payloads)
            except Exception as exc:  # the hits stay pending: the next run or repair seals them
                for hit in report.hits[before:]:
                    report.capture_failures.setdefault(hit.id, error_text(exc))

    def _rehit(self, report: ScanReport, items: list[tuple[Sighting, str]]) -> None:
        """Known bytes met at a new place are a new hit: a re-upload, found without hashing."""
        if items:
            self._each(report, items, self._rehit_all, lambda i: (i[0].location, "skipped"))

    def _rehit_all(self, scan_id: int, items: Sequence[tuple[Sighting, str]]) -> list[Hit]:
        found: list[Hit] = []
        with self.db.session() as session:
            scans = ScanStore(session)
            prior = scans.prior_matches(sha for _, sha in items)
            for seen, sha in items:
                for entry_id, why in prior.get(sha, []):
                    if not self.matcher.still_matches(session, sha, entry_id):
                        continue
                    hit = scans.add_hit(
                        scan_id, entry_id, why, sha, seen, self.clock(), self._files
                    )
                    if hit is not None:
                        found.append(hit)
        return found

    def record(self, report: ScanReport, items: list[tuple[Sighting, MediaHashes]]) -> None:
        """Match hashed items and store media and hits in one transaction."""

        def counted(item: tuple[Sighting, MediaHashes]) -> tuple[str, str | None]:
            seen, media = item
            return seen.location, None if media.outcome is Outcome.FAILED else "hashed"

        if items:
            self._each(report, items, self._record_all, counted)

    def _record_all(self, scan_id: int, items: Sequence[tuple[Sighting, MediaHashes]]) -> list[Hit]:
        matches = self.matcher.match([m for _, m in items])
        found: list[Hit] = []
        with self.db.session() as session:
            media_store, scans = MediaStore(session), ScanStore(session)
            for (seen, media), hits in zip(items, matches, strict=True):
                media_store.record(media)
                for match in hits:
                    hit = scans.add_hit(
                        scan_id,
                        match.entry_id,
                        match.detail(),
                        media.sha256,
                        seen,
                        self.clock(),
                        self._files,
                    )
                    if hit is not None:
                        found.append(hit)
        return found

    def _each(
        self,
        report: ScanReport,
        items: Sequence[_T],
        write: Callable[[int, Sequence[_T]], list[Hit]],
        counted: Callable[[_T], tuple[str, str | None]],
    ) -> None:
        """Match and record a batch in one transaction; should that fail, item by item.

        One item that cannot be matched or recorded (input no one foresaw, or a bug) then ends
        as a failure with its type and reason, and every other hit of the batch is kept.
        ``counted`` gives an item's location and the count it was already in (``"hashed"``,
        ``"skipped"`` or ``None`` for a failure already counted).
        """
        try:
            report.hits.extend(write(report.scan_id, items))
            return
        except Exception:  # find the item that broke the batch; the others are recorded
            pass
        for item in items:
            try:
                report.hits.extend(write(report.scan_id, [item]))
            except Exception as exc:
                location, was = counted(item)
                if was == "hashed":
                    report.hashed -= 1
                elif was == "skipped":
                    report.skipped -= 1
                if was is not None:
                    report.failed += 1
                report.failures.append(FileOutcome(location, "failed", error_text(exc)))
