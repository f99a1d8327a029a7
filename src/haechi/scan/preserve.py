"""Preserving evidence the moment a hit is found, inside the scan that found it.

Links die within days and chat rooms once they are reported; a police answer takes weeks. So
every hit is sealed right after it is recorded, not when someone gets round to it: a web hit
as a capture of its page and media (WARC, screenshot, headers), a chat hit as its message
record with the media bytes and the export's SHA-256 (:mod:`haechi.evidence.resource`), a
folder hit, when asked, as the file's bytes, path and timestamps.

The order makes a crash harmless: the hit is recorded ``pending`` in the transaction that
records it, the capture is sealed in the evidence log, and only then is the hit marked
``sealed`` with the capture's id. A killed scan leaves pending hits; the next scan (or
``haechi evidence repair``) first finds their captures in the log, or captures them, or marks
them ``gone`` with the time and the reason when their content has died meanwhile. A capture that
fails is recorded on the hit and the scan report and never stops the scan.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from haechi.errors import HaechiError
from haechi.evidence import (
    Capture,
    CaptureRequest,
    EvidenceConfig,
    EvidenceLocker,
    HttpRecorder,
    Screenshotter,
    generate_key,
)
from haechi.evidence.capture import CapturedEvidence, NothingArrived, capture, vanished
from haechi.evidence.keys import KeyRotation
from haechi.evidence.resource import MediaCopy, file_evidence, message_evidence
from haechi.members.model import Actor
from haechi.scan.messages import ExportReader
from haechi.scan.model import EvidenceOutcome, Hit, ScanReport
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.hit_evidence import (
    CaptureKind,
    EvidenceState,
    HitEvidenceStore,
    capture_kinds,
)
from haechi.store.models import ScanRow, utcnow
from haechi.store.scans import ScanStore

Payload = Path | bytes
T = TypeVar("T")


def evidence_config(settings: Settings, allow_hosts: Sequence[str] = ()) -> EvidenceConfig:
    """The evidence step's configuration, from settings."""
    return EvidenceConfig(
        home=settings.home,
        key_file=settings.evidence_key_file,
        origin=settings.evidence_origin,
        checkpoint_every=settings.evidence_checkpoint_every,
        tsa_url=settings.evidence_tsa_url,
        allow=(*settings.allow_hosts, *allow_hosts),
        screenshots=settings.evidence_screenshots,
        chromium=settings.chromium_path,
        max_bytes=settings.max_file_bytes,
        trusted_keys=tuple(settings.evidence_trusted_keys),
        key_passphrase=(
            settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
        ),
    )


def ensure_key(config: EvidenceConfig) -> str | None:
    """Create the organisation's signing key on first use; returns the new key's id if made."""
    if config.resolved_key_file.exists():
        return None
    return generate_key(config.resolved_key_file, config.key_passphrase).key_id


def rotate_signing_key(
    db: Database, config: EvidenceConfig, actor: Actor | None = None
) -> KeyRotation:
    """Replace the organisation's signing key (the old one stays trusted for what it signed).

    Audited, since whoever holds the key can sign evidence in the team's name.
    """
    from haechi.audit.trail import AuditKind, record
    from haechi.evidence.keys import rotate_key
    from haechi.trust.evidence_keys import note_evidence_key

    def note_key() -> None:  # the DID document lists it (P-256 half too) after it is gone
        key = config.key()
        if key is not None:
            with db.session() as session:
                note_evidence_key(session, key, utcnow())

    note_key()
    done = rotate_key(
        config.resolved_key_file, config.evidence_dir, config.key_passphrase, locker=config.locker()
    )
    note_key()  # the new key; the old one's record now expires
    with db.session() as session:
        record(
            session,
            AuditKind.SIGNING_KEY_ROTATED,
            actor or Actor.console(),
            detail={"old": done.old_key_id, "new": done.new_key_id},
        )
    return done


def hit_context(hit: Hit, kind: CaptureKind) -> dict[str, Any]:
    """What a capture says about the hit it preserves (found again by ``hit_id`` and SHA-256).

    The bank is named only by ``bank_entry``, an opaque database id: bank names often carry
    a victim's name, and captures travel to platforms and the police in bundles.
    """
    return {
        "hit_id": hit.id,
        "scan_id": hit.scan_id,
        "capture": kind.value,
        "bank_entry": hit.entry,
        "signal": hit.signal_kind,
        "distance": hit.distance,
        "source": hit.source_kind,
        "container": hit.container,
        "poster": hit.poster,
        "posted_at": hit.posted_at.isoformat() if hit.posted_at else None,
        "forwarded_from": hit.forwarded_from,
        "media_sha256": hit.sha256,
    }


def capture_request(hit: Hit) -> CaptureRequest | None:
    """What to capture for a hit: its page and media; ``None`` for hits without a URL."""
    if not hit.location.startswith(("http://", "https://")):
        return None
    page = hit.found_in if hit.found_in and hit.found_in.startswith("http") else hit.location
    media = hit.location if hit.location != page else None
    return CaptureRequest(page, media, hit_context(hit, CaptureKind.WEB))


@dataclass(frozen=True)
class _Place:
    kind: str
    target: str


@dataclass
class _Sealing:
    """One hit's captures in this round, and why any did not happen."""

    captures: list[tuple[Capture, CaptureKind]] = field(default_factory=list)
    gone: str | None = None
    failed: str | None = None


class EvidenceKeeper:
    """Seals hits during one scan (or a repair), reusing one event loop, recorder and browser.

    ``preserve_files`` also seals folder hits (the file's bytes, path and timestamps).
    """

    RETRY_AFTER = 3600  # seconds: a scan retries a failed capture hourly; repair always

    def __init__(
        self,
        config: EvidenceConfig,
        *,
        preserve_files: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.preserve_files = preserve_files
        self.clock = clock  # when a hit is recorded sealed (injectable, as the scan's clock)
        self.failures: list[tuple[int, str]] = []
        self.exports = ExportReader()
        self._locker: EvidenceLocker | None = None
        self._runner: asyncio.Runner | None = None
        self._recorder: HttpRecorder | None = None
        self._camera: Screenshotter | None = None

    def __enter__(self) -> EvidenceKeeper:
        ensure_key(self.config)
        self._locker = self.config.locker()
        self._runner = asyncio.Runner()
        return self

    def __exit__(self, *exc: object) -> None:
        self.exports.clear()
        if self._runner is None:
            return
        try:
            if self._camera is not None:
                self._runner.run(self._camera.aclose())
            if self._recorder is not None:
                self._runner.run(self._recorder.__aexit__(None, None, None))
        finally:
            self._runner.close()
            self._runner = None

    @property
    def locker(self) -> EvidenceLocker:
        """The locker captures are sealed in (only inside ``with``)."""
        if self._locker is None:
            raise RuntimeError("use EvidenceKeeper as a context manager")
        return self._locker

    # -- the scan's entry points --------------------------------------------------------

    def keep(
        self, db: Database, report: ScanReport, hits: Sequence[Hit], payloads: Mapping[str, Payload]
    ) -> None:
        """Seal the new hits of a batch (``payloads`` by SHA-256: the bytes just hashed)."""
        for outcome in self.settle(db, hits, payloads):
            if outcome.captures:
                report.captures[outcome.hit_id] = outcome.captures[0]
            if outcome.reason is not None:
                report.capture_failures[outcome.hit_id] = outcome.reason

    def repair_due(self, db: Database) -> list[EvidenceOutcome]:
        """What a scan settles first: pending hits never tried, or not tried for an hour."""
        return self.repair(db, checked_before=utcnow() - timedelta(seconds=self.RETRY_AFTER))

    def repair(
        self,
        db: Database,
        hit_ids: Sequence[int] | None = None,
        checked_before: datetime | None = None,
    ) -> list[EvidenceOutcome]:
        """Settle hits left pending (by a crash, or a capture that failed): see the module."""
        with db.session() as session:
            pending = HitEvidenceStore(session).pending(checked_before, hit_ids)
            hits = ScanStore(session).hits(hit_ids=pending) if pending else []
        if not hits:
            return []
        hits.sort(key=lambda h: h.id)
        return self.settle(db, hits, {}, look_in_log=True)

    # -- settling -----------------------------------------------------------------------

    def settle(
        self,
        db: Database,
        hits: Sequence[Hit],
        payloads: Mapping[str, Payload],
        look_in_log: bool = False,
    ) -> list[EvidenceOutcome]:
        """Seal what each pending hit still lacks, and record where its evidence stands."""
        with db.session() as session:
            states = HitEvidenceStore(session).of(h.id for h in hits)
            scan_ids = {h.scan_id for h in hits}
            places = {
                row.id: _Place(row.kind, row.target)
                for row in session.scalars(select(ScanRow).where(ScanRow.id.in_(scan_ids)))
            }
        logged = self._logged() if look_in_log else {}
        outcomes = []
        for hit in hits:
            known = states.get(hit.id)
            if known is None or known.state is not EvidenceState.PENDING:
                continue
            needed = capture_kinds(hit.source_kind, hit.location, preserve_files=True)
            have = {kind: cid for cid, kind in known.captures}
            for cid, kind in logged.get((hit.id, hit.sha256), []):
                have.setdefault(kind, cid)
            sealing = _Sealing()
            for kind in sorted(needed - set(have)):
                self._seal(hit, kind, payloads.get(hit.sha256), places.get(hit.scan_id), sealing)
            outcomes.append(self._record(db, hit, needed, have, sealing))
        return outcomes

    def _record(
        self,
        db: Database,
        hit: Hit,
        needed: frozenset[CaptureKind],
        have: dict[CaptureKind, str],
        sealing: _Sealing,
    ) -> EvidenceOutcome:
        at = self.clock()
        for record, kind in sealing.captures:
            have[kind] = record.id
        if sealing.failed is not None:
            state, reason = EvidenceState.PENDING, sealing.failed
        elif sealing.gone is not None:
            state, reason = EvidenceState.GONE, sealing.gone
        else:
            state, reason = EvidenceState.SEALED, None
        with db.session() as session:
            store = HitEvidenceStore(session)
            for kind, cid in have.items():
                store.add_capture(hit.id, cid, kind, at)
            store.settle(hit.id, state, at, reason)
        if reason is not None and state is EvidenceState.PENDING:
            self.failures.append((hit.id, reason))
        ids = tuple(have[k] for k in sorted(needed) if k in have)
        return EvidenceOutcome(hit.id, state.value, ids, reason, at)

    def _logged(self) -> dict[tuple[int, str], list[tuple[str, CaptureKind]]]:
        """Captures already in the log, by (hit id, media SHA-256): sealed before a crash."""
        found: dict[tuple[int, str], list[tuple[str, CaptureKind]]] = {}
        for record in self.locker.captures():
            hit_id, sha = record.context.get("hit_id"), record.context.get("media_sha256")
            if isinstance(hit_id, int) and isinstance(sha, str) and not record.destroyed:
                kind = CaptureKind(record.context.get("capture", CaptureKind.WEB.value))
                found.setdefault((hit_id, sha), []).append((record.id, kind))
        return found

    def _seal(
        self,
        hit: Hit,
        kind: CaptureKind,
        payload: Payload | None,
        place: _Place | None,
        sealing: _Sealing,
    ) -> None:
        try:
            if kind is CaptureKind.WEB:
                record = self._seal_web(hit, sealing)
            elif kind is CaptureKind.MESSAGE:
                record = self._seal_message(hit, payload, place, sealing)
            else:
                record = self._seal_file(hit, payload, sealing)
        except (HaechiError, OSError) as exc:
            sealing.failed = f"{kind.value} capture failed: {exc}"
            return
        if record is not None:
            sealing.captures.append((record, kind))

    def _seal_web(self, hit: Hit, sealing: _Sealing) -> Capture | None:
        request = capture_request(hit)
        if request is None:
            sealing.failed = "no URL to capture"
            return None
        try:
            evidence = self._run(self._capture(request))
        except NothingArrived as exc:
            if exc.gone is None:
                sealing.failed = _with_hint(str(exc))
            else:
                sealing.gone = exc.gone
            return None
        gone = vanished(evidence.page, evidence.media)
        if gone is not None:
            sealing.gone = gone
            return None
        return self.locker.seal(evidence)

    def _seal_message(
        self, hit: Hit, payload: Payload | None, place: _Place | None, sealing: _Sealing
    ) -> Capture | None:
        record, export, problem = self.exports.message(
            hit, place.kind if place else hit.source_kind, place.target if place else ""
        )
        media, why = self._media(hit, payload)
        if media is None and not _fetched(hit):
            sealing.failed = why
            return None
        context = hit_context(hit, CaptureKind.MESSAGE)
        if problem is not None:
            context["export_problem"] = problem
        if media is None:
            context["media_note"] = "the media bytes are in this hit's web capture"
        return self.locker.seal(message_evidence(record, media, export, context))

    def _seal_file(self, hit: Hit, payload: Payload | None, sealing: _Sealing) -> Capture | None:
        media, why = self._media(hit, payload)
        if media is None:
            sealing.failed = why
            return None
        context = hit_context(hit, CaptureKind.FILE)
        return self.locker.seal(file_evidence(Path(hit.location), media.data, context))

    def _media(self, hit: Hit, payload: Payload | None) -> tuple[MediaCopy | None, str]:
        """The matched bytes: those just hashed, or the file still at the hit's path."""
        url = hit.location if _fetched(hit) else None
        if isinstance(payload, bytes):
            return MediaCopy(payload, (url or hit.location).rsplit("/", 1)[-1], url), ""
        path = payload if payload is not None else (None if url else Path(hit.location))
        if path is None:
            return None, "the media bytes are no longer at hand; scan the source again"
        try:
            if path.stat().st_size > self.config.max_bytes:
                return None, f"{path.name} is over {self.config.max_bytes} bytes"
            data = path.read_bytes()
        except OSError as exc:
            return None, f"the file is no longer there ({exc.strerror or exc})"
        if hashlib.sha256(data).hexdigest() != hit.sha256:
            return None, "the file no longer holds the matched bytes"
        return MediaCopy(data, path.name, url), ""

    # -- the event loop -----------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._runner is None:
            coro.close()
            raise RuntimeError("use EvidenceKeeper as a context manager")
        return self._runner.run(coro)

    async def _capture(self, request: CaptureRequest) -> CapturedEvidence:
        if self._recorder is None:
            self._recorder = await self.config.recorder().__aenter__()
        if self._camera is None:
            self._camera = self.config.screenshotter()
        return await capture(request, self._recorder, self._camera)


def _fetched(hit: Hit) -> bool:
    """Whether the hit's media came from a URL (a live Telegram link is a message, not media)."""
    return CaptureKind.WEB in capture_kinds(hit.source_kind, hit.location)


def _with_hint(reason: str) -> str:
    if "refused" in reason:
        return f"{reason} (name the host with --allow-host to capture it)"
    return reason
