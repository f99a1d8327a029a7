"""Signing what leaves the team: notices as they are sent, police packages as they are made.

A notice's credential is signed just before its e-mail is built (its date is the sending time)
and attached to it as JSON; the mail's text ends with the verification code and the verify
link. It is published (stored under its code) only once the mail server took the message, so
a code never names a notice that did not go out. A police package gets ``credential.json``
beside its files, listing each file's SHA-256, and is published at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haechi.errors import ConfigError
from haechi.notices.model import Notice
from haechi.store.database import Database
from haechi.store.notices import NoticeStore
from haechi.trust.config import TrustConfig
from haechi.trust.credentials import notice_credential, police_credential
from haechi.trust.documents import Published, latest_for, new_code, publish, sign
from haechi.trust.errors import TrustError
from haechi.trust.keys import Purpose

if TYPE_CHECKING:
    from haechi.notices.desk import Desk

CREDENTIAL_FILE = "credential.json"


def document_bytes(document: Mapping[str, Any]) -> bytes:
    """A signed document as it is written to files and attachments."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class NoticeSeal:
    """A notice's signed credential and its code, before the notice goes out."""

    notice_id: int
    code: str
    document: dict[str, Any]
    link: str
    signed_at: datetime

    @property
    def filename(self) -> str:
        """The attachment's file name."""
        return f"notice-{self.notice_id}.credential.json"

    def footer(self) -> str:
        """The lines closing the mail's text: the code and where to check it."""
        return (
            "\n\n-- \n"
            f"검증 코드 / Verification code: {self.code}\n"
            f"{self.link}\n"
            f"서명된 증명서 / Signed credential: {self.filename}\n"
        )


class Notary:
    """Signs and publishes the team's outgoing documents."""

    def __init__(self, db: Database, config: TrustConfig) -> None:
        self.db = db
        self.config = config

    def seal_notice(self, notice: Notice, sent_at: datetime) -> NoticeSeal:
        """Sign ``notice``'s credential for sending at ``sent_at`` (not yet published)."""
        with self.db.session() as session:
            document = sign(
                session,
                self.config,
                Purpose.NOTICES,
                notice_credential(self.config, notice, sent_at),
                sent_at,
            )
        code = new_code()
        return NoticeSeal(notice.id, code, document, self.config.verify_link(code), sent_at)

    def publish_notice(self, seal: NoticeSeal) -> Published:
        """Record a sealed notice as published: it went out."""
        with self.db.session() as session:
            return publish(
                session,
                "notice",
                f"notice:{seal.notice_id}",
                seal.document,
                seal.signed_at,
                code=seal.code,
            )

    def notice_document(self, notice: Notice, now: datetime) -> Published:
        """The published credential of a sent notice; a notice that left through a web form
        is sealed and published now."""
        with self.db.session() as session:
            found = latest_for(session, f"notice:{notice.id}")
        if found is not None:
            return found
        if notice.sent_at is None:
            raise TrustError(
                f"notice {notice.id} has not been sent: only sent notices have a credential"
            )
        return self.publish_notice(self.seal_notice(notice, notice.sent_at))

    def seal_police_package(
        self, folder: Path, station: str, made_at: datetime, hits: Sequence[Mapping[str, Any]]
    ) -> Published:
        """Write ``credential.json`` into a police package folder and publish it."""
        files = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())
            if p.is_file() and p.name != CREDENTIAL_FILE
        }
        items = [
            {
                "url": str(h.get("url") or h.get("path") or ""),
                "sha256": str(h.get("sha256", "")),
                **({"capture": str(h["capture"])} if h.get("capture") else {}),
            }
            for h in hits
        ]
        unsigned = police_credential(self.config, station, made_at, items, files)
        with self.db.session() as session:
            document = sign(session, self.config, Purpose.NOTICES, unsigned, made_at)
            published = publish(session, "police", f"police:{folder.name}", document, made_at)
        (folder / CREDENTIAL_FILE).write_bytes(document_bytes(document))
        return published


def export_notice(desk: Desk, notice_id: int) -> Published:
    """The signed credential of sent notice ``notice_id`` (``haechi notices export``, the API)."""
    with desk.db.session() as session:
        notice = NoticeStore(session).get(notice_id)
    if desk.notary is None:
        raise ConfigError("signing needs the evidence home (HAECHI_HOME)")
    return desk.notary.notice_document(notice, desk.clock())


def notary_for(
    db: Database,
    home: Path,
    passphrase: str | None,
    public_url: str | None,
    organisation: str,
    evidence_key_file: Path | None = None,
) -> Notary:
    """The notary of a home (keys under it), speaking for the organisation at ``public_url``."""
    from haechi.trust.config import DEFAULT_PUBLIC_URL

    config = TrustConfig(
        home=home,
        passphrase=passphrase,
        public_url=(public_url or DEFAULT_PUBLIC_URL).rstrip("/"),
        organisation=organisation,
        evidence_key_file=evidence_key_file,
        fixed=public_url is not None,
    )
    return Notary(db, config)
