"""Previews a reviewer can bear: from the evidence store only, blurred unless revealed.

Thorn's and Tremau's guidance for content moderators, and the research behind it, says to
show as little as the decision needs: pictures greyscale and strongly blurred by default,
one revealed at a time on purpose, for a moment. So a preview is made on the fly, never
stored, from the bytes sealed in the evidence store (never fetched from the web when someone
looks): the captured file whose SHA-256 is the hit's. A reveal is a POST, audited, that gives
a token good once, for one member and one hit, for a minute; the page swaps the blurred image
back when the pointer leaves. Each member sets her own blur strength.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from haechi.audit.trail import AuditKind, record
from haechi.errors import HaechiError
from haechi.evidence import EntryKind, EvidenceConfig, EvidenceError, EvidenceLocker
from haechi.members.model import Actor
from haechi.store.hit_evidence import HitEvidenceStore
from haechi.store.models import HitRow
from haechi.store.review_models import PreviewPreferenceRow, PreviewRevealRow

DEFAULT_BLUR = 24
MIN_BLUR = 8  # weaker than this shows too much to be called a blur
MAX_BLUR = 48
PREVIEW_SIDE = 320
REVEAL_FOR = timedelta(seconds=60)
MAX_PIXELS = 60_000_000
MAX_RECORD_BYTES = 64 * 1024 * 1024


class PreviewError(HaechiError):
    """No preview can be made (no capture holds the file, or it is no picture)."""

    exit_code = 1


@dataclass(frozen=True)
class Reveal:
    """A one-time permission to see one hit's preview clearly."""

    hit_id: int
    token: str
    expires_at: datetime

    @property
    def url(self) -> str:
        """Where the clear image is fetched, once."""
        return f"/hits/{self.hit_id}/preview?reveal={self.token}"


def blur_strength(session: Session, member_id: int | None) -> int:
    """The member's blur radius (the default for none set)."""
    if member_id is None:
        return DEFAULT_BLUR
    row = session.get(PreviewPreferenceRow, member_id)
    return row.blur if row is not None else DEFAULT_BLUR


def set_blur_strength(session: Session, actor: Actor, blur: int, now: datetime) -> int:
    """Set the acting member's own blur radius, within bounds."""
    if actor.member_id is None:
        raise PreviewError("only a member has a blur setting")
    if not MIN_BLUR <= blur <= MAX_BLUR:
        raise PreviewError(f"the blur strength is {MIN_BLUR} to {MAX_BLUR}")
    row = session.get(PreviewPreferenceRow, actor.member_id)
    if row is None:
        row = PreviewPreferenceRow(member_id=actor.member_id)
        session.add(row)
    row.blur = blur
    row.updated_at = now
    session.flush()
    return blur


def _locker(config: EvidenceConfig) -> EvidenceLocker:
    # Reading needs no signing key: nothing is sealed or signed by looking.
    return EvidenceLocker(config.evidence_dir, checkpoint_every=0)


def _capture_ids(session: Session, hit_id: int) -> tuple[str, list[str]]:
    sha = session.scalar(select(HitRow.sha256).where(HitRow.id == hit_id))
    if sha is None:
        raise PreviewError(f"no hit {hit_id}")
    known = HitEvidenceStore(session).of([hit_id]).get(hit_id)
    return sha, known.capture_ids if known else []


def _payload(warc: bytes, sha256: str) -> bytes | None:
    """The record in ``warc`` whose (decoded) payload has this SHA-256."""
    for rec in ArchiveIterator(io.BytesIO(warc)):
        if rec.rec_type not in ("response", "resource"):
            continue
        body = rec.content_stream().read(MAX_RECORD_BYTES + 1)
        if len(body) <= MAX_RECORD_BYTES and hashlib.sha256(body).hexdigest() == sha256:
            return bytes(body)
    return None


def media_bytes(session: Session, config: EvidenceConfig, hit_id: int) -> bytes:
    """The hit's file as sealed in the evidence store; never fetched from anywhere else."""
    sha, capture_ids = _capture_ids(session, hit_id)
    if not capture_ids:
        raise PreviewError("this hit has no sealed capture: judge it by its match evidence")
    locker = _locker(config)
    for capture_id in capture_ids:
        try:
            capture = locker.get(capture_id)
            if capture.destroyed:
                continue
            found = _payload(locker.store.get(capture.warc_sha256), sha)
        except EvidenceError:
            continue
        if found is not None:
            return found
    raise PreviewError("no sealed capture holds this hit's file")


def screenshot_bytes(session: Session, config: EvidenceConfig, hit_id: int) -> bytes:
    """The screenshot of the hit's page from its first capture that has one."""
    _, capture_ids = _capture_ids(session, hit_id)
    locker = _locker(config)
    for capture_id in capture_ids:
        try:
            capture = locker.get(capture_id)
            if capture.screenshot_sha256 and not capture.destroyed:
                return locker.store.get(capture.screenshot_sha256)
        except EvidenceError:
            continue
    raise PreviewError("no screenshot was sealed for this hit")


def has_screenshot(config: EvidenceConfig, capture_ids: list[str]) -> bool:
    """Whether any of these captures holds a screenshot (read from the log, not the bytes)."""
    locker = _locker(config)
    for capture_id in capture_ids:
        try:
            capture = locker.get(capture_id)
        except EvidenceError:
            continue
        if capture.screenshot_sha256 and not capture.destroyed:
            return True
    return False


def render(data: bytes, blur: int | None, side: int = PREVIEW_SIDE) -> bytes:
    """A PNG at most ``side`` pixels wide or high: greyscale and blurred, or clear (``None``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.width * opened.height > MAX_PIXELS:
                raise PreviewError("the picture is too large to preview")
            opened.draft("RGB", (side * 2, side * 2))
            image: Image.Image = ImageOps.exif_transpose(opened.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise PreviewError(f"the file is no picture that can be previewed ({exc})") from None
    except Image.DecompressionBombWarning:
        raise PreviewError("the picture is too large to preview") from None
    image.thumbnail((side, side))
    if blur is not None:
        image = ImageOps.grayscale(image).filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def reveal(
    session: Session, actor: Actor, config: EvidenceConfig, hit_id: int, now: datetime
) -> Reveal:
    """Let ``actor`` see one hit's preview clearly, once, for a minute; audited and logged.

    The evidence log records the look on each capture too (``viewed``), as for any opening.
    """
    if actor.member_id is None:
        raise PreviewError("only a member may reveal a preview")
    _, capture_ids = _capture_ids(session, hit_id)
    if not capture_ids:
        raise PreviewError("this hit has no sealed capture: judge it by its match evidence")
    session.execute(delete(PreviewRevealRow).where(PreviewRevealRow.expires_at < now))
    token = secrets.token_urlsafe(32)
    expires = now + REVEAL_FOR
    session.add(
        PreviewRevealRow(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            hit_id=hit_id,
            member_id=actor.member_id,
            created_at=now,
            expires_at=expires,
        )
    )
    record(
        session,
        AuditKind.PREVIEW_REVEALED,
        actor,
        subject=(None, f"hit {hit_id}"),
        detail={"hit": hit_id},
        now=now,
    )
    locker = _locker(config)
    for capture_id in capture_ids:
        try:
            locker.record(capture_id, EntryKind.VIEWED, {"viewer": actor.name, "as": "preview"})
        except EvidenceError:
            continue
    return Reveal(hit_id, token, expires)


def redeem(session: Session, actor: Actor, hit_id: int, token: str, now: datetime) -> bool:
    """Whether ``token`` lets ``actor`` see ``hit_id`` clearly now; it is used up either way."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = session.scalar(select(PreviewRevealRow).where(PreviewRevealRow.token_hash == digest))
    if row is None:
        return False
    good = row.hit_id == hit_id and row.member_id == actor.member_id and row.expires_at > now
    session.delete(row)
    session.flush()
    return good
