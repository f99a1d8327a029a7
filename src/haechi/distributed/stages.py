"""The scan's stages as Ray runs them, each a thin shell around the local pipeline's code.

- :class:`Fetcher` (an actor on the driver's machine, where the target's files and the HTTP
  validator cache are): the source through :func:`~haechi.scan.intake.intake`, in batches.
- :func:`hash_batch` (a task, retried if its worker dies): :func:`~haechi.scan.pipeline.hash_stage`
  with the media hashed in the task's process.
- :class:`Recorder` (an actor, restarted if it dies, its calls retried):
  :meth:`~haechi.scan.pipeline.Scanner.record_stage` (match, record, preserve) with a
  :class:`~haechi.scan.pipeline.Scanner` whose matcher asks the index shards.

Each returns a partial :class:`~haechi.scan.model.ScanReport` of its batch; the driver adds them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from haechi.errors import HaechiError
from haechi.evidence import EvidenceConfig
from haechi.hashing.media import HashOptions, MediaHashes
from haechi.scan.hashing_pool import Payload, _hash_one
from haechi.scan.intake import intake, save_telegram_marks, save_validators
from haechi.scan.matcher import BankMatcher
from haechi.scan.model import FileOutcome, Found, ScanReport
from haechi.scan.pipeline import Hashed, Scanner, _until_error, count_outcome, hash_stage
from haechi.scan.preserve import EvidenceKeeper
from haechi.settings import Settings
from haechi.sources import SourceOptions, open_source
from haechi.store.database import Database

Item = Found | FileOutcome
_DATABASES: dict[str, Database] = {}


def worker_database(settings: Settings) -> Database:
    """One database handle per worker process (tasks run many times in one process).

    The driver migrated it; workers only read and write. Labels open with the same keys.
    """
    url = settings.resolved_database_url
    db = _DATABASES.get(url)
    if db is None:
        from haechi.crypto.labels import attach_vault

        db = Database(url)
        attach_vault(db, settings)
        _DATABASES[url] = db
    return db


class Fetcher:
    """The source of one scan, read ahead in a thread, handed out a batch at a time."""

    def __init__(
        self, settings: Settings, target: str, kind: str | None, options: SourceOptions
    ) -> None:
        self.settings = settings
        self.target = target
        self.kind = kind
        self.options = options
        self.stopped: list[HaechiError] = []
        self._items: Iterator[Item] | None = None
        self._source: Any = None

    def start(self) -> str:
        """Open the source (its errors are the caller's to show); returns its kind."""
        self._source = open_source(self.target, self.kind, self.options)
        self._items = _until_error(intake(self._source, where=self.target), self.stopped)
        return str(self._source.kind)

    def next_batch(self, size: int) -> tuple[int, list[Item]]:
        """Up to ``size`` items and their count; 0 when the source is done."""
        if self._items is None:
            raise HaechiError("the fetcher was not started")
        batch: list[Item] = []
        for item in self._items:
            batch.append(item)
            if len(batch) == size:
                break
        return len(batch), batch

    def finish(self) -> HaechiError | None:
        """Keep what the crawl learnt (validators, chat marks); the source's stop, if any."""
        save_validators(self.options)
        if self._source is not None:
            save_telegram_marks(self.settings, self._source)
        return self.stopped[0] if self.stopped else None


def _hash_here(options: HashOptions) -> Any:
    def hash_all(payloads: Sequence[Payload]) -> Iterator[MediaHashes | str]:
        for payload in payloads:
            yield _hash_one(payload, options)

    return hash_all


def hash_batch(
    settings: Settings, options: HashOptions, scan_id: int, target: str, batch: Sequence[Item]
) -> tuple[ScanReport, Hashed]:
    """The hash stage of one batch: outcomes the source knew are counted, media hashed."""
    report = ScanReport(scan_id, target)
    media: list[Found] = []
    for item in batch:
        if isinstance(item, FileOutcome):
            count_outcome(report, item)
        else:
            media.append(item)
    hashed = hash_stage(worker_database(settings), media, _hash_here(options), report)
    return report, hashed


class Recorder:
    """Matches, records and preserves hashed batches, with its own scanner and evidence keeper.

    Ray restarts a recorder that dies and runs its unfinished calls again: recording is
    idempotent (media by SHA-256, a hit by entry, media and place), so a batch recorded twice
    adds nothing; hits it left without evidence are settled by the driver at the end.
    """

    def __init__(
        self,
        settings: Settings,
        shards: Sequence[Any],
        sizes: Sequence[int],
        evidence: EvidenceConfig | None,
        preserve_files: bool,
    ) -> None:
        from haechi.distributed.shards import ShardedIndex

        db = worker_database(settings)
        matcher = BankMatcher.load(db, settings, index=ShardedIndex(shards, sizes))
        self.keeper: EvidenceKeeper | None = None
        if evidence is not None:  # the driver's keeper's configuration: same log, same key
            self.keeper = EvidenceKeeper(evidence, preserve_files=preserve_files).__enter__()
        self.scanner = Scanner(db, settings, self.keeper, matcher=matcher)

    def hash_options(self) -> HashOptions:
        """How media are hashed for these banks (the local runner's choice)."""
        return self.scanner.hash_options()

    def record(self, hashed: tuple[ScanReport, Hashed], batch: Sequence[Item]) -> ScanReport:
        """The record stage of one batch; its report, counts included."""
        report, found = hashed
        media = [item for item in batch if isinstance(item, Found)]
        self.scanner.record_stage(report, media, found)
        return report

    def close(self) -> None:
        """Close the evidence keeper (its browser, recorder and event loop)."""
        if self.keeper is not None:
            self.keeper.__exit__(None, None, None)
            self.keeper = None
