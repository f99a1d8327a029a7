"""One scan on a Ray cluster: the driver that feeds the stages and adds up their reports.

The flow per batch of ``batch`` items: the :class:`~.stages.Fetcher` actor hands out a batch
(kept in Ray's object store), a :func:`~.stages.hash_batch` task hashes it on any free core,
and a :class:`~.stages.Recorder` actor matches it (asking the :class:`~.shards.IndexShard`
actors in one batch), records it and seals its hits' evidence. Only object references pass
through the driver, and at most ``window`` batches are in flight: the driver waits for one to
finish (``ray.wait``) before it asks the fetcher for more, so a fast crawl never piles pages
up in memory faster than the cluster hashes them.

A worker that dies loses nothing. A hash task is run again (``max_retries``); a recorder or
shard is restarted and its unfinished calls run again (``max_restarts``/``max_task_retries``),
which records nothing twice (media by SHA-256, a hit by entry, media and place). A batch that
still fails is run item by item, so only the item that kills its worker ends ``failed``, with
the reason. At the end the scan's hits are read back from the database (a batch recorded just
before its worker died is not in any returned report) and its hits whose evidence no one got
to are settled by the driver's keeper, which first looks for captures already in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from haechi.distributed.cluster import ray_module
from haechi.distributed.shards import IndexShard
from haechi.distributed.stages import Fetcher, Recorder, hash_batch
from haechi.errors import HaechiError
from haechi.scan.model import FileOutcome, ScanReport
from haechi.scan.pipeline import Progress
from haechi.scan.preserve import EvidenceKeeper
from haechi.settings import Settings
from haechi.sources import SourceOptions
from haechi.sources.records import error_text
from haechi.store.database import Database
from haechi.store.hit_evidence import HitEvidenceStore
from haechi.store.models import utcnow
from haechi.store.scans import ScanStore

BATCH = 64
RETRIES = 3


def add_report(total: ScanReport, part: ScanReport) -> None:
    """Add one batch's counts, failures and evidence outcomes to the scan's report."""
    total.seen += part.seen
    total.hashed += part.hashed
    total.skipped += part.skipped
    total.failed += part.failed
    total.failures.extend(part.failures)
    total.hits.extend(part.hits)
    total.captures.update(part.captures)
    total.capture_failures.update(part.capture_failures)


def _cause(exc: BaseException) -> BaseException:
    """The haechi error inside a Ray task error, if that is what it is."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, HaechiError) else exc


class RayScanner:
    """Scans on the connected Ray cluster with the local pipeline's stages (see module)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        keeper: EvidenceKeeper | None = None,
        *,
        shards: int = 2,
        recorders: int = 2,
        batch: int = BATCH,
        window: int | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.keeper = keeper
        self.shards = max(1, shards)
        self.recorders = max(1, recorders)
        self.batch = max(1, batch)
        self.window = window
        self.actors: dict[str, Any] = {}  # name -> handle, while a scan runs (tests kill one)

    def scan(
        self,
        target: str,
        kind: str | None,
        options: SourceOptions,
        progress: Progress | None = None,
    ) -> ScanReport:
        """Scan what ``target`` yields, as ``haechi scan`` does, on the cluster."""
        ray = ray_module()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
        fetcher = ray.remote(num_cpus=0, scheduling_strategy=here)(Fetcher).remote(
            self.settings, target, kind, options
        )
        self.actors = {"fetcher": fetcher}
        try:
            try:
                source_kind = ray.get(fetcher.start.remote())
            except ray.exceptions.RayTaskError as exc:
                raise _cause(exc) from None
            return self._run(ray, fetcher, target, source_kind, progress)
        finally:
            for handle in self.actors.values():
                ray.kill(handle, no_restart=True)
            self.actors = {}

    def _start_stages(self, ray: Any) -> tuple[list[Any], Any]:
        restartable = {"num_cpus": 0, "max_restarts": -1, "max_task_retries": -1}
        shard_actor = ray.remote(**restartable)(IndexShard)
        shards = [shard_actor.remote(self.settings, k, self.shards) for k in range(self.shards)]
        self.actors.update({f"shard-{k}": h for k, h in enumerate(shards)})
        sizes = ray.get([h.size.remote() for h in shards])
        recorder_actor = ray.remote(**restartable)(Recorder)
        evidence = self.keeper.config if self.keeper is not None else None
        preserve = self.keeper is not None and self.keeper.preserve_files
        recorders = [
            recorder_actor.remote(self.settings, shards, sizes, evidence, preserve)
            for _ in range(self.recorders)
        ]
        self.actors.update({f"recorder-{k}": h for k, h in enumerate(recorders)})
        task = ray.remote(num_cpus=1, max_retries=RETRIES)(hash_batch)
        return recorders, task

    def _run(
        self, ray: Any, fetcher: Any, target: str, kind: str, progress: Progress | None
    ) -> ScanReport:
        started = utcnow()
        with self.db.session() as session:
            scan_id = ScanStore(session).start(target, kind)
        report = ScanReport(scan_id, target)
        if self.keeper is not None:  # hits a killed run left without evidence come first
            report.repaired = self.keeper.repair_due(self.db)
        recorders, hash_task = self._start_stages(ray)
        options = ray.get(recorders[0].hash_options.remote())
        window = self.window or max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        inflight: dict[Any, tuple[Any, Any]] = {}  # record ref -> (batch ref, its recorder)
        turn = 0

        def settle_one() -> None:
            [done], _ = ray.wait(list(inflight), num_returns=1)
            batch_ref, recorder = inflight.pop(done)
            try:
                add_report(report, ray.get(done))
            except ray.exceptions.RayError:  # still failing after retries: item by item
                add_report(
                    report,
                    self._alone(
                        ray, hash_task, recorder, scan_id, target, options, ray.get(batch_ref)
                    ),
                )
            if progress:
                progress(report.seen, None)

        while True:
            count_ref, batch_ref = fetcher.next_batch.options(num_returns=2).remote(self.batch)
            if ray.get(count_ref) == 0:
                break
            hashed = hash_task.remote(self.settings, options, scan_id, target, batch_ref)
            recorder = recorders[turn % len(recorders)]
            turn += 1
            inflight[recorder.record.remote(hashed, batch_ref)] = (batch_ref, recorder)
            while len(inflight) >= window:  # back-pressure: the crawl waits for the cluster
                settle_one()
        while inflight:
            settle_one()
        stopped = ray.get(fetcher.finish.remote())
        ray.get([r.close.remote() for r in recorders])
        self._reconcile(report, started)
        with self.db.session() as session:
            ScanStore(session).finish(report)
        if stopped is not None:  # the source could not go on; what it gave is recorded
            raise stopped
        return report

    def _alone(
        self,
        ray: Any,
        hash_task: Any,
        recorder: Any,
        scan_id: int,
        target: str,
        options: Any,
        batch: Sequence[Any],
    ) -> ScanReport:
        """Run a batch that kept failing one item at a time: only the culprit fails."""
        report = ScanReport(scan_id, target)
        refs = []
        for item in batch:
            hashed = hash_task.remote(self.settings, options, scan_id, target, [item])
            refs.append((item, recorder.record.remote(hashed, [item])))
        for item, ref in refs:
            try:
                add_report(report, ray.get(ref))
            except ray.exceptions.RayError as exc:
                where = item.location if isinstance(item, FileOutcome) else item.seen.location
                report.seen += 1
                report.failed += 1
                why = f"the worker died on this item ({error_text(_cause(exc))})"
                report.failures.append(FileOutcome(where, "failed", why))
        return report

    def _reconcile(self, report: ScanReport, started: datetime) -> None:
        """The scan's hits as recorded, and evidence no worker lived to seal, settled now."""
        with self.db.session() as session:
            hits = sorted(ScanStore(session).hits(scan_id=report.scan_id), key=lambda h: h.id)
            states = HitEvidenceStore(session).of(h.id for h in hits)
        report.hits = hits
        for hit_id, state in states.items():
            if state.captures and hit_id not in report.captures:
                report.captures[hit_id] = state.captures[0][0]
        if self.keeper is None or not hits:
            return
        # Never tried (checked before this scan began: never): their recorder died first.
        orphans = [h.id for h in hits if h.id not in report.capture_failures]
        for outcome in self.keeper.repair(self.db, orphans, checked_before=started):
            if outcome.captures:
                report.captures[outcome.hit_id] = outcome.captures[0]
            if outcome.reason is not None and outcome.state == "pending":
                report.capture_failures[outcome.hit_id] = outcome.reason


def scan_on_ray(
    db: Database,
    settings: Settings,
    keeper: EvidenceKeeper | None,
    target: str,
    kind: str | None,
    options: SourceOptions,
    progress: Progress | None = None,
) -> ScanReport:
    """``haechi scan --runner ray``: join ``HAECHI_RAY_ADDRESS``, scan, leave."""
    from haechi.distributed.cluster import connect, disconnect

    joined = connect(settings.ray_address)
    try:
        return RayScanner(db, settings, keeper).scan(target, kind, options, progress)
    finally:
        if joined:
            disconnect()
