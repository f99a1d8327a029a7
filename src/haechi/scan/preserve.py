"""Preserving evidence the moment a hit is found, inside the scan that found it.

Links die within days; a police answer takes weeks. So a web hit is captured (page and media
as WARC, screenshot, headers, sealed in the tamper-evident log) right after it is recorded,
not when someone gets round to it. A capture that fails is recorded on the scan report with
its reason and never stops the scan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

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
from haechi.scan.model import Hit
from haechi.settings import Settings


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
    )


def ensure_key(config: EvidenceConfig) -> str | None:
    """Create the organisation's signing key on first use; returns the new key's id if made."""
    if config.resolved_key_file.exists():
        return None
    return generate_key(config.resolved_key_file).key_id


def capture_request(hit: Hit) -> CaptureRequest | None:
    """What to capture for a hit: its page and media; ``None`` for hits without a URL."""
    if not hit.location.startswith(("http://", "https://")):
        return None
    page = hit.found_in if hit.found_in and hit.found_in.startswith("http") else hit.location
    context = {
        "hit_id": hit.id,
        "scan_id": hit.scan_id,
        "bank": hit.bank,
        "bank_entry": hit.entry,
        "signal": hit.signal_kind,
        "distance": hit.distance,
        "source": hit.source_kind,
        "container": hit.container,
        "poster": hit.poster,
        "posted_at": hit.posted_at.isoformat() if hit.posted_at else None,
        "media_sha256": hit.sha256,
    }
    media = hit.location if hit.location != page else None
    return CaptureRequest(page, media, context)


class EvidenceKeeper:
    """Captures hits during one scan, reusing one event loop, recorder and browser."""

    def __init__(self, config: EvidenceConfig) -> None:
        self.config = config
        self.failures: list[tuple[int, str]] = []
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

    async def _capture(self, locker: EvidenceLocker, request: CaptureRequest) -> Capture:
        if self._recorder is None:
            self._recorder = await self.config.recorder().__aenter__()
        if self._camera is None:
            self._camera = self.config.screenshotter()
        return await locker.capture(request, self._recorder, self._camera)

    def preserve(self, hits: Sequence[Hit]) -> list[tuple[Hit, Capture]]:
        """Capture every web hit; failures go to :attr:`failures`, never raised."""
        if self._runner is None or self._locker is None:
            raise RuntimeError("use EvidenceKeeper as a context manager")
        done = []
        for hit in hits:
            request = capture_request(hit)
            if request is None:
                continue
            try:
                capture = self._runner.run(self._capture(self._locker, request))
            except HaechiError as exc:
                self.failures.append((hit.id, str(exc)))
                continue
            done.append((hit, capture))
        return done


def captures_for(config: EvidenceConfig, ids: Sequence[str]) -> list[str]:
    """Capture ids for a mix of hit ids (digits) and capture ids, in the order given."""
    locker = config.locker()
    by_hit: dict[int, list[str]] = {}
    for capture in locker.captures():
        hit_id = capture.context.get("hit_id")
        if isinstance(hit_id, int):
            by_hit.setdefault(hit_id, []).append(capture.id)
    out: list[str] = []
    for item in ids:
        if item.isdigit():
            found = by_hit.get(int(item))
            if not found:
                raise HaechiError(
                    f"hit {item} has no capture (only web hits are captured; "
                    "capture a page with `haechi capture URL`)"
                )
            out.extend(found)
        else:
            locker.get(item)  # raises for an unknown capture id
            out.append(item)
    return out
