"""The report's manifest: the SHA-256 of each file, signed by the organisation as a W3C
Verifiable Credential (``eddsa-jcs-2022``), as police packages are (:mod:`haechi.trust.notary`).

``haechi trust verify manifest.json`` checks the signature (and, with the home's database,
that the organisation published it); :func:`check_folder` also checks every file against its
listed digest, so a changed byte anywhere in the report is a named failure.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from haechi.trust.config import TrustConfig
from haechi.trust.credentials import CONTEXT
from haechi.trust.documents import Published, publish, sign
from haechi.trust.errors import TrustError
from haechi.trust.keys import Purpose
from haechi.trust.notary import document_bytes
from haechi.trust.reading import read_document
from haechi.trust.result import Verification
from haechi.trust.timefmt import time_text

MANIFEST = "manifest.json"
CREDENTIAL_TYPE = "HaechiTransparencyReportCredential"


def digests(files: Mapping[str, bytes]) -> dict[str, str]:
    """Each file's SHA-256 by name, sorted by name."""
    return {name: hashlib.sha256(files[name]).hexdigest() for name in sorted(files)}


def manifest_credential(
    config: TrustConfig, period: str, threshold: int, made_at: datetime, files: Mapping[str, str]
) -> dict[str, Any]:
    """The unsigned manifest of a report of ``period``: who, when, and every file's digest."""
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": {"id": config.did, "name": config.organisation},
        "validFrom": time_text(made_at),
        "credentialSubject": {
            "type": "TransparencyReport",
            "period": period,
            "date": time_text(made_at),
            "suppressionThreshold": threshold,
            "files": dict(files),
        },
    }


def sign_manifest(
    session: Session,
    config: TrustConfig,
    period: str,
    threshold: int,
    made_at: datetime,
    files: Mapping[str, bytes],
) -> tuple[bytes, Published]:
    """``manifest.json``'s bytes, signed and recorded as published by the organisation."""
    unsigned = manifest_credential(config, period, threshold, made_at, digests(files))
    document = sign(session, config, Purpose.NOTICES, unsigned, made_at)
    published = publish(session, "transparency", f"transparency:{period}", document, made_at)
    return document_bytes(document), published


@dataclass(frozen=True)
class FolderCheck:
    """The verdict on a report folder: the manifest's signature, and each file's digest."""

    signature: Verification
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """The signature holds and every listed file is there, unchanged."""
        return self.signature.valid and not self.changed and not self.missing

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "valid": self.valid,
            "signature": self.signature.as_json(),
            "changed": self.changed,
            "missing": self.missing,
            "unlisted": self.unlisted,
        }


def listed_files(document: Mapping[str, Any]) -> dict[str, str]:
    """The files a manifest lists, by name (:class:`TrustError` when it lists none)."""
    subject = document.get("credentialSubject")
    files = subject.get("files") if isinstance(subject, dict) else None
    if not isinstance(files, dict) or not files:
        raise TrustError("this is not a transparency report's manifest: it lists no files")
    return {str(k): str(v) for k, v in files.items()}


def check_folder(
    folder: Path,
    now: datetime,
    session: Session | None = None,
    config: TrustConfig | None = None,
    pinned: Ed25519PublicKey | None = None,
) -> FolderCheck:
    """Check a report folder: the manifest's proof (with our record when ``session`` and
    ``config`` are given, else offline with ``pinned``) and every file against it."""
    from haechi.trust.checking import verify_offline, verify_own

    try:
        document = read_document((folder / MANIFEST).read_bytes())
    except OSError as exc:
        raise TrustError(f"cannot read {folder / MANIFEST}: {exc.strerror}") from None
    if session is not None and config is not None:
        signature = verify_own(session, config, document, now, pinned)
    else:
        signature = verify_offline(document, now, pinned)
    listed = listed_files(document)
    changed, missing = [], []
    for name, digest in listed.items():
        path = folder / name
        if Path(name).name != name or not path.is_file():
            missing.append(name)
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            changed.append(name)
    present = {p.name for p in folder.iterdir() if p.is_file()} - {MANIFEST}
    return FolderCheck(signature, changed, missing, sorted(present - set(listed)))
