"""Handing a platform bundle to an outsider: for a notice or for hits, as a folder or a zip.

The one service ``haechi bundle`` and the team pages' downloads call. The bundle is
:func:`haechi.redaction.bundle.make_platform_bundle`'s (the sealed evidence untouched, the
pages beside it redacted, the statement and ``SHA256SUMS``); here it is written for a notice's
cited hits or for named hits, zipped when it is downloaded, and audited as every export of
evidence is: who, which ids, the zip's SHA-256 and the redaction's counts, never its values.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from haechi.audit.trail import AuditKind, record
from haechi.errors import HaechiError
from haechi.evidence import EvidenceConfig
from haechi.members.model import Actor
from haechi.redaction.bundle import PlatformBundle, make_platform_bundle
from haechi.store.database import Database
from haechi.store.notices import NoticeStore

BUNDLE_FORMAT = "platform-bundle"


class BundleRefused(HaechiError):
    """A bundle that cannot be made: nothing named, or a folder already in use."""

    exit_code = 2


@dataclass(frozen=True)
class Subject:
    """What a bundle is for: the hit ids it carries and the name its files are given."""

    ids: tuple[str, ...]
    name: str


def for_notice(db: Database, notice_id: int) -> Subject:
    """The hits a notice cites (an unknown notice is a clear error)."""
    with db.session() as session:
        notice = NoticeStore(session).get(notice_id)
    ids = tuple(dict.fromkeys(str(item.hit_id) for item in notice.items))
    if not ids:
        raise BundleRefused(f"notice {notice_id} cites no hit")
    return Subject(ids, f"notice-{notice_id}-{notice.platform}")


def for_hits(hit_ids: Sequence[int]) -> Subject:
    """Named hits (at least one)."""
    ids = tuple(dict.fromkeys(str(h) for h in hit_ids))
    if not ids:
        raise BundleRefused("name a notice or at least one hit")
    return Subject(ids, f"hit-{ids[0]}" if len(ids) == 1 else f"hits-{ids[0]}-{len(ids)}")


def write_bundle(
    db: Database, config: EvidenceConfig, subject: Subject, folder: Path, actor: Actor
) -> PlatformBundle:
    """The bundle of ``subject`` written into ``folder`` (new or empty), audited."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BundleRefused(f"{folder} exists and is not an empty folder")
    bundle = make_platform_bundle(db, config, subject.ids, folder, actor)
    _audit(db, actor, subject, bundle, None)
    return bundle


def zip_folder(folder: Path, out: Path, root: str) -> str:
    """Zip ``folder``'s files under ``root/`` into ``out``; the zip's SHA-256."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{root}/{path.relative_to(folder).as_posix()}")
    return hashlib.sha256(out.read_bytes()).hexdigest()


@dataclass(frozen=True)
class ZippedBundle:
    """A bundle as one download: the zip's bytes, its file name and what was redacted."""

    data: bytes
    filename: str
    bundle: PlatformBundle


def zipped_bundle(
    db: Database, config: EvidenceConfig, subject: Subject, workdir: Path, actor: Actor
) -> ZippedBundle:
    """The bundle of ``subject`` as a zip (made in a scratch folder under ``workdir`` that is
    removed afterwards), audited with the zip's SHA-256."""
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        folder = Path(scratch) / subject.name
        bundle = make_platform_bundle(db, config, subject.ids, folder, actor)
        out = Path(scratch) / f"{subject.name}.zip"
        digest = zip_folder(folder, out, subject.name)
        data = out.read_bytes()
    _audit(db, actor, subject, bundle, digest)
    return ZippedBundle(data, f"{subject.name}.zip", bundle)


def _audit(
    db: Database, actor: Actor, subject: Subject, bundle: PlatformBundle, digest: str | None
) -> None:
    detail: dict[str, object] = {
        "ids": list(subject.ids),
        "format": BUNDLE_FORMAT,
        "captures": len(bundle.export.capture_ids),
        "redacted": bundle.statement.by_kind(),
    }
    if digest is not None:
        detail["sha256"] = digest
    with db.session() as session:
        record(session, AuditKind.EVIDENCE_EXPORTED, actor, detail=detail)
