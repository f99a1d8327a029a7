"""A notice e-mailed through a real SMTP server verifies from its attachment alone."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from haechi.cli import app
from haechi.notices.channels import EmailChannel
from haechi.notices.model import Channel, Notice, NoticeItem, NoticeKind, NoticeStatus
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.trust.config import TrustConfig
from haechi.trust.did import published_keys
from haechi.trust.documents import find_code, own_did_document
from haechi.trust.multibase import ed25519_multikey
from haechi.trust.notary import Notary
from haechi.trust.reading import read_document
from haechi.trust.result import Reason
from haechi.trust.verify import verify_document
from tests.notices.world import notice_config, smtp_server
from tests.trust.conftest import T0


def _notice(kind: NoticeKind = NoticeKind.TAKEDOWN, notice_id: int = 7) -> Notice:
    text = "Subject: 삭제 요청\n\n아래 게시물을 삭제해 주십시오.\nhttps://portal.example/p/1\n"
    return Notice(
        id=notice_id,
        platform="local-portal",
        kind=kind,
        channel=Channel.EMAIL,
        language="ko, en",
        status=NoticeStatus.APPROVED,
        recipient="abuse@portal.example",
        subject="삭제 요청",
        text=text,
        text_sha256="cd" * 32,
        previous_id=None,
        message_id=None,
        created_at=T0,
        approved_at=T0,
        sent_at=None,
        acknowledged_at=None,
        closed_at=None,
        deadline=None,
        items=(NoticeItem(3, "https://portal.example/p/1", None, "ef" * 32, "cap-1", T0),),
    )


def test_a_mailed_notice_verifies_from_its_attachment(
    db: Database, config: TrustConfig, settings: Settings, tmp_path: Path
) -> None:
    with smtp_server() as (mailbox, port):
        channel = EmailChannel(notice_config(port), notary=Notary(db, config))
        channel.deliver(_notice(), T0)
    [(_, _, raw)] = mailbox.received
    [message] = mailbox.messages()
    code = message["X-Haechi-Verification-Code"]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert code in body and f"https://haechi.example/verify?code={code}" in body
    document = read_document(raw)  # the whole mail, as the abuse desk keeps it
    subject = document["credentialSubject"]
    assert subject["platform"] == "local-portal" and subject["items"][0]["sha256"] == "ef" * 32
    assert "victim" not in json.dumps(document) and "case" not in json.dumps(subject)
    # What a platform needs: the attachment and the organisation's published DID document.
    with db.session() as session:
        did = json.loads(json.dumps(own_did_document(session, config, T0)))
        assert find_code(session, code).document == document  # published once it went out
    keys = published_keys(did)
    assert verify_document(document, T0 + timedelta(days=1), keys=keys).valid
    forged = json.loads(json.dumps(document))
    forged["credentialSubject"]["items"][0]["url"] = "https://victim-blog.example/"
    result = verify_document(forged, T0, keys=keys)
    assert result.reasons == (Reason.SIGNATURE_MISMATCH,)
    # And offline on the command line: exit 0 for the mail, 1 naming the failure for a forgery.
    (tmp_path / "notice.eml").write_bytes(raw)
    (tmp_path / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    runner = CliRunner()
    env = {
        "HAECHI_HOME": str(settings.home),
        "HAECHI_PUBLIC_URL": config.public_url,
        "HAECHI_KEY_PASSPHRASE": config.passphrase or "",
    }
    ok = runner.invoke(app, ["trust", "verify", str(tmp_path / "notice.eml")], env=env)
    assert ok.exit_code == 0, ok.output
    assert "VALID" in ok.output
    bad = runner.invoke(app, ["trust", "verify", str(tmp_path / "forged.json")], env=env)
    assert bad.exit_code == 1 and "signature-mismatch" in bad.output, bad.output
    stranger = ed25519_multikey(Ed25519PrivateKey.generate().public_key())
    pinned = runner.invoke(
        app, ["trust", "verify", str(tmp_path / "notice.eml"), "--key", stranger], env=env
    )
    assert pinned.exit_code == 1 and "signature-mismatch" in pinned.output


def test_repeats_and_escalations_carry_their_credential_too(
    db: Database, config: TrustConfig
) -> None:
    """A repeat and a block request to the regulator go out signed like the first notice."""
    kinds = {8: NoticeKind.REPEAT, 9: NoticeKind.BLOCK_REQUEST}
    with smtp_server() as (mailbox, port):
        channel = EmailChannel(notice_config(port), notary=Notary(db, config))
        for notice_id, kind in kinds.items():
            channel.deliver(_notice(kind, notice_id), T0)
    with db.session() as session:
        keys = published_keys(own_did_document(session, config, T0))
    for (_, _, raw), message in zip(mailbox.received, mailbox.messages(), strict=True):
        document = read_document(raw)
        notice_id = int(message["X-Haechi-Notice"])
        assert document["credentialSubject"]["notice"] == notice_id
        assert document["credentialSubject"]["kind"] == kinds[notice_id].value
        with db.session() as session:
            assert find_code(session, message["X-Haechi-Verification-Code"]).document == document
        assert verify_document(document, T0 + timedelta(hours=1), keys=keys).valid


def test_a_police_package_carries_its_signed_credential(
    db: Database, config: TrustConfig, tmp_path: Path
) -> None:
    """credential.json names every file of the package by SHA-256, verifies with our keys, is
    published under a code, and says nothing of the case or the victim."""
    folder = tmp_path / "HC-2026-0001-police"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 the report")
    (folder / "hits.json").write_text('{"ref": "HC-2026-0001"}', encoding="utf-8")
    hit = {"url": "https://portal.example/p/1", "sha256": "ef" * 32, "capture": "cap-1"}
    published = Notary(db, config).seal_police_package(folder, "서울경찰청", T0, [hit])
    document = json.loads((folder / "credential.json").read_text(encoding="utf-8"))
    assert document == published.document
    files = document["credentialSubject"]["files"]
    assert files == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
        if p.name != "credential.json"
    }
    assert document["credentialSubject"]["items"] == [hit]
    assert "HC-2026-0001" not in json.dumps(document)  # the case's reference stays inside
    with db.session() as session:
        assert find_code(session, published.code).document == document
        keys = published_keys(own_did_document(session, config, T0))
    assert verify_document(document, T0 + timedelta(days=1), keys=keys).valid
    forged = json.loads(json.dumps(document))
    forged["credentialSubject"]["files"]["report.pdf"] = "00" * 32
    assert verify_document(forged, T0, keys=keys).reasons == (Reason.SIGNATURE_MISMATCH,)
