"""What a valid proof does not prove: a stolen key's back-dated forgery, stale lists, another
issuer's status list; and the evidence keys listed in the DID document without the passphrase."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from haechi.cli import app
from haechi.evidence.signing import generate_key, key_id, load_key, public_key_pem
from haechi.members.model import Actor, Role
from haechi.scan.preserve import evidence_config, rotate_signing_key
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.testkit.team import add_member
from haechi.trust import members
from haechi.trust.channels import ChannelKind, add_channel, registry_document, remove_channel
from haechi.trust.checking import verify_own
from haechi.trust.config import TrustConfig
from haechi.trust.documents import own_did_document, publish, sign, status_list
from haechi.trust.evidence_keys import evidence_key_ids
from haechi.trust.keys import Purpose, current_key, revoke_key
from haechi.trust.multibase import ed25519_multikey
from haechi.trust.proof import sign_document
from haechi.trust.result import Reason, Unchecked, Verdict
from tests.trust.conftest import T0

NOTICE: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "HaechiNoticeCredential"],
    "issuer": {"id": "did:web:haechi.example", "name": "해치 지원센터"},
    "validFrom": "2026-11-01T09:00:00Z",
    "credentialSubject": {"platform": "local-portal", "url": "https://portal.example/p/1"},
}


def test_a_stolen_key_cannot_back_date_a_notice(session: Session, config: TrustConfig) -> None:
    genuine = sign(session, config, Purpose.NOTICES, NOTICE, T0)
    publish(session, "notice", "notice:1", genuine, T0)
    key_name, _ = current_key(session, config, Purpose.NOTICES, T0)
    # The thief copies the key file and the passphrase; the theft is noticed a week later.
    stolen = load_key(config.keys_dir / f"{key_name}.pem", config.passphrase)
    revoke_key(
        session, config, key_name, T0 + timedelta(days=7), "laptop stolen", T0 + timedelta(days=8)
    )
    forged_subject = {**NOTICE["credentialSubject"], "url": "https://critic.example/post"}
    forged = sign_document(
        {**NOTICE, "credentialSubject": forged_subject},
        stolen,
        f"{config.did}#{key_name}",
        "2026-11-02T09:00:00Z",  # before the theft was dated: the key's life says nothing
    )
    later = T0 + timedelta(days=9)
    result = verify_own(session, config, forged, later)
    assert result.reasons == (Reason.NOT_PUBLISHED,) and result.verdict is Verdict.INVALID
    assert result.summary == {} and "never published" in result.detail
    assert verify_own(session, config, genuine, later).valid


def test_only_the_lists_published_now_count(
    db: Database, session: Session, config: TrustConfig
) -> None:
    add_member(db, "volunteer-kim", Role.ANALYST, now=T0)
    card = members.issue(session, config, Actor.console(), "volunteer-kim", T0)
    before = status_list(session, config, T0)
    channel = add_channel(session, Actor.console(), ChannelKind.BANK, "110-123-456789", "", T0)
    registry = registry_document(session, config, T0)
    assert verify_own(session, config, before, T0).valid
    assert verify_own(session, config, registry, T0).valid
    members.revoke(session, config, Actor.console(), card.code, "left", T0 + timedelta(hours=1))
    remove_channel(session, Actor.console(), channel.id, T0 + timedelta(hours=1))
    later = T0 + timedelta(hours=2)
    # A list saved before the card was revoked would un-revoke it; the old registry would
    # still vouch for a bank account taken off it.
    assert verify_own(session, config, before, later).reasons == (Reason.NOT_PUBLISHED,)
    assert verify_own(session, config, registry, later).reasons == (Reason.NOT_PUBLISHED,)
    assert verify_own(session, config, status_list(session, config, later), later).valid


def test_another_issuers_status_list_is_said_to_be_unchecked(
    session: Session, config: TrustConfig
) -> None:
    theirs = Ed25519PrivateKey.generate()
    multikey = ed25519_multikey(theirs.public_key())
    plain = {**NOTICE, "issuer": "did:web:other.example"}
    with_status = {
        **plain,
        "credentialStatus": {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "7",
            "statusListCredential": "https://other.example/status.json",
        },
    }
    for document, reasons in ((plain, ()), (with_status, (Reason.STATUS_UNKNOWN,))):
        signed = sign_document(
            document, theirs, f"did:web:other.example#{multikey}", "2026-11-01T09:00:00Z"
        )
        result = verify_own(session, config, signed, T0, theirs.public_key())
        assert result.reasons == reasons, result
        assert Unchecked.PUBLICATION in result.unchecked
    assert result.unchecked == (Unchecked.STATUS, Unchecked.PUBLICATION)
    assert "https://other.example/status.json) was not checked" in result.detail
    assert result.as_json()["unchecked"] == ["status", "publication"]


def _run(home: Path, *args: str, **env: str) -> tuple[int, str]:
    answer = CliRunner().invoke(app, list(args), env={"HAECHI_HOME": str(home), **env})
    return answer.exit_code, answer.output


def test_the_command_checks_publication_only_with_our_database(
    session: Session, config: TrustConfig, tmp_path: Path
) -> None:
    genuine = sign(session, config, Purpose.NOTICES, NOTICE, T0)
    publish(session, "notice", "notice:1", genuine, T0)
    key_name, key = current_key(session, config, Purpose.NOTICES, T0)
    unpublished = sign_document(NOTICE, key, f"{config.did}#{key_name}", "2026-11-02T09:00:00Z")
    session.commit()
    for name, document in (("genuine.json", genuine), ("forged.json", unpublished)):
        (tmp_path / name).write_text(json.dumps(document), encoding="utf-8")
    ours = {"HAECHI_PUBLIC_URL": config.public_url, "HAECHI_KEY_PASSPHRASE": "correct horse"}
    code, output = _run(config.home, "trust", "verify", str(tmp_path / "forged.json"), **ours)
    assert code == 1 and "not-published" in output, output
    assert _run(config.home, "trust", "verify", str(tmp_path / "genuine.json"), **ours)[0] == 0
    # A platform's desk: no database, only the key the organisation published.
    desk = tmp_path / "desk"
    for name in ("genuine.json", "forged.json"):
        code, output = _run(desk, "trust", "verify", str(tmp_path / name), "--key", key_name)
        assert code == 0 and "not checked: publication" in output, output
        assert "whether its issuer published it was not checked" in output
    assert not (desk / "haechi.db").exists()


def test_evidence_keys_stay_listed_without_the_passphrase(
    db: Database, settings: Settings, config: TrustConfig
) -> None:
    secret = {"key_passphrase": SecretStr("correct horse")}
    first = generate_key(settings.home / "evidence" / "signing-key.pem", "correct horse")
    with db.session() as session:  # served once with the passphrase at hand
        own_did_document(session, config, T0)
    rotate_signing_key(db, evidence_config(settings.model_copy(update=secret)))
    second = load_key(settings.home / "evidence" / "signing-key.pem", "correct horse")
    locked = TrustConfig(settings.home, None, config.public_url, fixed=True)
    with db.session() as session:
        did = own_did_document(session, locked, T0 + timedelta(days=1))
        ids = set(evidence_key_ids(session))
    methods = {m["name"] + " " + m["publicKeyMultibase"]: m for m in did["verificationMethod"]}
    old = methods[f"haechi evidence checkpoints {ed25519_multikey(first.public)}"]
    new = methods[f"haechi evidence checkpoints {ed25519_multikey(second.public)}"]
    assert "expires" in old and "expires" not in new
    p256 = [m for m in did["verificationMethod"] if m["name"].startswith("haechi wacz-auth")]
    assert len(p256) == 2 and sum("expires" in m for m in p256) == 1
    assert ids == {key_id(first.public), key_id(second.public)}
    # A key retired before the record existed is read from retired-keys/, dated by its file.
    older = Ed25519PrivateKey.generate().public_key()
    pem = settings.home / "evidence" / "retired-keys" / "older.pem"
    pem.write_bytes(public_key_pem(older))
    os.utime(pem, (T0.timestamp(), T0.timestamp()))
    with db.session() as session:
        did = own_did_document(session, locked, T0 + timedelta(days=2))
    [listed] = [
        m for m in did["verificationMethod"] if m["publicKeyMultibase"] == ed25519_multikey(older)
    ]
    assert listed["expires"] == "2026-11-01T09:00:00Z"
