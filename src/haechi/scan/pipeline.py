"""One scan: walk a folder, hash what is new, match it, record hits. Short enough to read.

A file is known by its SHA-256: a file hashed by an earlier scan is skipped (counted, not
re-hashed), so re-running a scan over a growing folder costs only the new files. Every file
ends with a recorded outcome: hashed, skipped or failed with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from haechi.errors import HaechiError
from haechi.hashing.decode import DecodeLimits
from haechi.hashing.media import HashOptions, MediaHashes, Outcome, digest_file
from haechi.scan.hashing_pool import HashingPool
from haechi.scan.matcher import BankMatcher
from haechi.scan.model import FileOutcome, ScanReport
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.media import MediaStore
from haechi.store.scans import ScanStore

BATCH = 64
Progress = Callable[[int, int], None]


def hash_options(settings: Settings, dihedral: bool) -> HashOptions:
    """Hashing options from settings."""
    return HashOptions(
        max_file_bytes=settings.max_file_bytes,
        limits=DecodeLimits(max_pixels=settings.max_pixels, exact=settings.exact_decode),
        dihedral=dihedral,
    )


def walk_files(root: Path) -> Iterator[Path]:
    """Regular files under ``root`` in a stable order; links are not followed."""
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        raise HaechiError(f"{root} is neither a file nor a folder")
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _batches(paths: Iterator[Path], size: int) -> Iterator[list[Path]]:
    batch: list[Path] = []
    for path in paths:
        batch.append(path)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Scanner:
    """Runs scans against one database with one matcher and one hashing pool."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.matcher = BankMatcher.load(db, settings)

    def scan_folder(self, root: Path, progress: Progress | None = None) -> ScanReport:
        """Scan every file under ``root``; see the module docstring."""
        files = list(walk_files(root))
        with self.db.session() as session:
            scan_id = ScanStore(session).start(str(root), "folder")
        report = ScanReport(scan_id, str(root))
        options = hash_options(self.settings, dihedral=True)
        with HashingPool(options, self.settings.workers) as pool:
            for batch in _batches(iter(files), BATCH):
                self._scan_batch(batch, pool, report)
                if progress:
                    progress(report.seen, len(files))
        with self.db.session() as session:
            ScanStore(session).finish(report)
        return report

    def _scan_batch(self, paths: list[Path], pool: HashingPool, report: ScanReport) -> None:
        report.seen += len(paths)
        digests: dict[Path, str] = {}
        for path in paths:
            try:
                digests[path] = digest_file(path)[0]
            except OSError as exc:
                report.failed += 1
                report.failures.append(FileOutcome(str(path), "failed", exc.strerror or str(exc)))
        with self.db.session() as session:
            known = MediaStore(session).known(digests.values())
        fresh: list[Path] = []
        for path, sha in digests.items():
            if sha in known:
                report.skipped += 1
            else:
                known.add(sha)  # the same bytes twice in one batch are hashed once
                fresh.append(path)
        hashed: list[tuple[Path, MediaHashes]] = []
        for path, result in pool.hash_paths(fresh):
            if isinstance(result, str):
                report.failed += 1
                report.failures.append(FileOutcome(str(path), "failed", result))
                continue
            hashed.append((path, result))
            if result.outcome is Outcome.FAILED:
                report.failed += 1
                report.failures.append(FileOutcome(str(path), "failed", result.error))
            else:
                report.hashed += 1
        self.record(report, [(str(p), m) for p, m in hashed])

    def record(self, report: ScanReport, items: Sequence[tuple[str, MediaHashes]]) -> None:
        """Match hashed items and store media and hits in one transaction."""
        matches = self.matcher.match([m for _, m in items])
        with self.db.session() as session:
            media_store, scans = MediaStore(session), ScanStore(session)
            for (location, media), found in zip(items, matches, strict=True):
                media_store.record(media)
                for match in found:
                    hit = scans.add_hit(
                        report.scan_id,
                        match.entry_id,
                        match.signal_kind.value,
                        match.distance,
                        location,
                        media.sha256,
                    )
                    if hit is not None:
                        report.hits.append(hit)
