"""The evidence locker: where captures are sealed, looked at, exported and destroyed.

Sealing is the moment evidence starts to count. It is done in an order that a crash cannot
turn into a false record: first the WARC, the screenshot and the manifest are stored (each
written atomically and fsynced), and only then is the ``captured`` entry appended to the log
(fsynced). A crash before the entry leaves unreferenced objects and no claim; a crash after it
leaves a complete capture. A capture is *sealed* when its entry is in the log.

Every later action is an entry too: ``viewed`` when someone opens a capture, ``exported`` when
it leaves in a bundle, ``notice_sent`` when a notice cites it, ``destroyed`` when retention
rules remove it. Destroying deletes the content (WARC and screenshot) and keeps the manifest
(what was captured, where, when; no image or page bytes), so the log still makes sense and
bundles can say "this capture existed and was destroyed on that day".

The log is the index: a capture is found by its id through the log's ``captured`` entry and
its manifest, so the locker needs no database of its own (the scan pipeline keeps the
:class:`~haechi.evidence.model.Capture` records it is given in its own).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from haechi.evidence.capture import CapturedEvidence, CaptureRequest, capture
from haechi.evidence.errors import SigningKeyError, UnknownCapture
from haechi.evidence.log import EntryKind, EvidenceLog, LogEntry, canonical_json
from haechi.evidence.model import CAPTURE_FORMAT, Capture, ScreenshotStatus
from haechi.evidence.recorder import HttpRecorder
from haechi.evidence.resource import ResourceEvidence
from haechi.evidence.screenshot import Screenshotter
from haechi.evidence.signing import Checkpoint, SigningKey
from haechi.evidence.store import EvidenceStore, FolderStore

Stamp = Callable[[bytes], bytes]
"""Get an RFC 3161 token (DER) for a SHA-256 digest; see :mod:`haechi.evidence.timestamp`."""


@dataclass(frozen=True)
class CaptureContent:
    """What a viewer gets: the manifest and the bytes still held."""

    capture: Capture
    manifest: Mapping[str, Any]
    warc: bytes | None = field(repr=False)
    screenshot: bytes | None = field(repr=False)


def capture_from(entry: LogEntry, manifest: Mapping[str, Any], destroyed: bool) -> Capture:
    """The typed record of a capture from its ``captured`` entry and manifest."""
    page = manifest.get("page") or {}
    media = manifest.get("media") or {}
    shot = manifest.get("screenshot") or {}
    exchanges = page.get("exchanges") or []
    artifacts = manifest.get("artifacts") or {}
    return Capture(
        id=entry.subject,
        url=str(manifest["url"]),
        media_url=manifest.get("media_url"),
        started=str(manifest["started"]),
        sealed=entry.time,
        final_url=page.get("final_url"),
        page_status=page.get("status"),
        media_status=media.get("status"),
        ip=exchanges[-1].get("ip") if exchanges else None,
        warc_sha256=str(artifacts["warc"]),
        manifest_sha256=entry.artifacts[0],
        screenshot_sha256=artifacts.get("screenshot"),
        screenshot=ScreenshotStatus(shot.get("status", ScreenshotStatus.NOT_TAKEN.value)),
        screenshot_reason=shot.get("reason"),
        log_seq=entry.seq,
        context=dict(manifest.get("context") or {}),
        destroyed=destroyed,
    )


class EvidenceLocker:
    """The store of evidence bytes and the log of everything done with them, under one folder.

    ``key`` signs checkpoints (every ``checkpoint_every`` entries, and before each export);
    without a key nothing is signed and export refuses. ``stamp`` adds an RFC 3161 token to
    each checkpoint.
    """

    def __init__(
        self,
        root: Path,
        *,
        key: SigningKey | None = None,
        origin: str = "haechi",
        checkpoint_every: int = 100,
        stamp: Stamp | None = None,
        store: EvidenceStore | None = None,
    ) -> None:
        self.root = root
        self.store: EvidenceStore = store if store is not None else FolderStore(root / "objects")
        self.log = EvidenceLog.open(root / "log.jsonl")
        self.key = key
        self.origin = origin
        self.checkpoint_every = checkpoint_every
        self.stamp = stamp

    # -- sealing ---------------------------------------------------------------------

    def seal(self, evidence: CapturedEvidence | ResourceEvidence) -> Capture:
        """Store the capture's bytes, then log it. When this returns, the capture is sealed.

        A web capture and a message or file capture (:mod:`haechi.evidence.resource`) are
        sealed alike: same store, same log entry, same checkpoints.
        """
        manifest = dict(evidence.manifest)
        warc_sha = self.store.put(evidence.warc)
        artifacts = [warc_sha]
        png = evidence.screenshot.png if isinstance(evidence, CapturedEvidence) else None
        if png is not None:
            artifacts.append(self.store.put(png))
        manifest_sha = self.store.put(canonical_json(manifest))
        entry = self.log.append(
            EntryKind.CAPTURED,
            evidence.id,
            [manifest_sha, *artifacts],
            {"format": CAPTURE_FORMAT},
        )
        self._maybe_checkpoint()
        return capture_from(entry, manifest, destroyed=False)

    async def capture(
        self, request: CaptureRequest, recorder: HttpRecorder, screenshotter: Screenshotter
    ) -> Capture:
        """Capture ``request`` and seal it: the one call a scan makes for a hit."""
        return self.seal(await capture(request, recorder, screenshotter))

    # -- reading ---------------------------------------------------------------------

    def _captured_entry(self, capture_id: str) -> tuple[LogEntry, bool]:
        self.log.refresh()
        entries = self.log.for_subject(capture_id)
        captured = next((e for e in entries if e.kind is EntryKind.CAPTURED), None)
        if captured is None:
            raise UnknownCapture(f"no capture {capture_id!r} in the evidence log")
        return captured, any(e.kind is EntryKind.DESTROYED for e in entries)

    def manifest(self, capture_id: str) -> dict[str, Any]:
        """The manifest of a capture, checked against its hash in the log."""
        entry, _ = self._captured_entry(capture_id)
        data = json.loads(self.store.get(entry.artifacts[0]))
        if not isinstance(data, dict):
            raise UnknownCapture(f"capture {capture_id!r} has no readable manifest")
        return data

    def get(self, capture_id: str) -> Capture:
        """The record of one capture (also of a destroyed one)."""
        entry, destroyed = self._captured_entry(capture_id)
        return capture_from(entry, self.manifest(capture_id), destroyed)

    def captures(self) -> list[Capture]:
        """Every capture in the log, oldest first."""
        self.log.refresh()
        destroyed = {e.subject for e in self.log.entries if e.kind is EntryKind.DESTROYED}
        out = []
        for entry in self.log.entries:
            if entry.kind is EntryKind.CAPTURED:
                manifest = json.loads(self.store.get(entry.artifacts[0]))
                out.append(capture_from(entry, manifest, entry.subject in destroyed))
        return out

    def open(self, capture_id: str, viewer: str) -> CaptureContent:
        """The content of a capture for ``viewer``; logged as ``viewed`` before it is returned."""
        record = self.get(capture_id)
        self.record(capture_id, EntryKind.VIEWED, {"viewer": viewer})
        warc = None if record.destroyed else self.store.get(record.warc_sha256)
        shot = (
            self.store.get(record.screenshot_sha256)
            if record.screenshot_sha256 and not record.destroyed
            else None
        )
        return CaptureContent(record, self.manifest(capture_id), warc, shot)

    # -- later actions ---------------------------------------------------------------

    def record(
        self, capture_id: str, kind: EntryKind, details: Mapping[str, Any] | None = None
    ) -> LogEntry:
        """Log an action on a capture (``viewed``, ``notice_sent``, …)."""
        if kind in (EntryKind.CAPTURED, EntryKind.DESTROYED):
            raise ValueError(f"use seal() or destroy() for {kind.value}")
        self._captured_entry(capture_id)
        entry = self.log.append(kind, capture_id, (), details or {})
        self._maybe_checkpoint()
        return entry

    def destroy(self, capture_id: str, reason: str) -> LogEntry:
        """Delete a capture's content (WARC, screenshot) and log ``destroyed``; idempotent.

        The ``destroyed`` entry is appended first: if the process dies before the files are
        gone, running ``destroy`` again finishes the deletion.
        """
        entry, destroyed = self._captured_entry(capture_id)
        content = list(entry.artifacts[1:])
        if destroyed:
            last = next(
                e
                for e in reversed(self.log.for_subject(capture_id))
                if e.kind is EntryKind.DESTROYED
            )
        else:
            last = self.log.append(
                EntryKind.DESTROYED, capture_id, content, {"reason": reason, "kept": "manifest"}
            )
        for digest in content:
            if not self._shared(digest, capture_id):
                self.store.delete(digest)
        self._maybe_checkpoint()
        return last

    def _shared(self, digest: str, capture_id: str) -> bool:
        """Whether a live capture other than ``capture_id`` holds the same bytes."""
        destroyed = {e.subject for e in self.log.entries if e.kind is EntryKind.DESTROYED}
        return any(
            e.kind is EntryKind.CAPTURED
            and e.subject != capture_id
            and e.subject not in destroyed
            and digest in e.artifacts
            for e in self.log.entries
        )

    # -- checkpoints -----------------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        """Sign (and, if configured, time-stamp) the log as it is now, and save the checkpoint."""
        if self.key is None:
            raise SigningKeyError(
                "no signing key configured; checkpoints need the organisation's key file"
            )
        checkpoint = self.log.checkpoint(self.key, self.origin)
        if self.stamp is not None:
            token = self.stamp(hashlib.sha256(checkpoint.signature_bytes()).digest())
            checkpoint = replace(checkpoint, timestamp_token=base64.b64encode(token).decode())
        self.log.save_checkpoint(checkpoint)
        return checkpoint

    def latest_checkpoint(self) -> Checkpoint | None:
        """The most recent saved checkpoint."""
        saved = self.log.checkpoints()
        return saved[-1] if saved else None

    def _maybe_checkpoint(self) -> None:
        if self.key is None or self.checkpoint_every <= 0:
            return
        latest = self.latest_checkpoint()
        signed = latest.tree_size if latest else 0
        if len(self.log) - signed >= self.checkpoint_every:
            self.checkpoint()
