"""``haechi trust key`` and ``haechi members credential issue/revoke`` with the card."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader
from typer.testing import CliRunner

from haechi.cli import app
from haechi.members.model import Role
from haechi.notices.model import Channel, NoticeKind, NoticeStatus
from haechi.notices.platforms import parse_platforms
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.notices import NoticeStore, PlatformStore
from haechi.testkit.team import add_member
from haechi.trust.documents import find_code
from tests.notices.world import DIRECTORY
from tests.trust.cards import qr_link
from tests.trust.conftest import T0


def test_key_card_and_revocation(settings: Settings, db: Database, tmp_path: Path) -> None:
    add_member(db, "volunteer-kim", Role.ANALYST, now=T0)
    env = {"HAECHI_HOME": str(settings.home), "HAECHI_PUBLIC_URL": "https://haechi.example"}
    runner = CliRunner()
    keys = runner.invoke(app, ["trust", "key", "--json"], env=env)
    assert keys.exit_code == 0, keys.output
    shown = json.loads(keys.stdout)  # warnings go to stderr
    assert "is not encrypted" in keys.stderr  # no HAECHI_KEY_PASSPHRASE in this home
    assert shown["did"] == "did:web:haechi.example"
    assert all(k["publicKeyMultibase"].startswith("z6Mk") for k in shown["keys"])
    card, doc = tmp_path / "card.pdf", tmp_path / "card.json"
    issued = runner.invoke(
        app,
        [
            "members",
            "credential",
            "issue",
            "volunteer-kim",
            "--card",
            str(card),
            "--out",
            str(doc),
            "--json",
        ],
        env=env,
    )
    assert issued.exit_code == 0, issued.output
    code = json.loads(issued.stdout)["code"]
    text = PdfReader(io.BytesIO(card.read_bytes())).pages[0].extract_text()
    assert "volunteer-kim" in text and code in text
    assert f"https://haechi.example/verify?code={code}" in text
    assert qr_link(card.read_bytes()) == f"https://haechi.example/verify?code={code}"
    ok = runner.invoke(app, ["trust", "verify", str(doc)], env=env)
    assert ok.exit_code == 0, ok.output
    typo = runner.invoke(app, ["trust", "verify", str(doc), "--key", "z6MkNotAKey"], env=env)
    assert typo.exit_code == 2 and "--key" in typo.stderr  # a usage error, not a verdict
    revoked = runner.invoke(
        app, ["members", "credential", "revoke", code, "--reason", "left the group"], env=env
    )
    assert revoked.exit_code == 0, revoked.output
    after = runner.invoke(app, ["trust", "verify", str(doc)], env=env)
    assert after.exit_code == 1 and "REVOKED" in after.output and "revoked" in after.output


def test_notices_export_writes_a_sent_notices_credential(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    with db.session() as session:
        PlatformStore(session).save(parse_platforms(DIRECTORY), T0)
        notices = NoticeStore(session)
        sent = notices.create(
            "local-portal", NoticeKind.TAKEDOWN, Channel.WEB_FORM, "ko", "", "삭제 요청",
            "https://portal.example/p/1", "ab" * 32, [], T0,
        )  # fmt: skip
        notices.transition(sent.id, NoticeStatus.APPROVED, T0)
        notices.transition(sent.id, NoticeStatus.SENT, T0)
        draft = notices.create(
            "local-portal", NoticeKind.TAKEDOWN, Channel.WEB_FORM, "ko", "", "삭제 요청",
            "https://portal.example/p/2", "cd" * 32, [], T0,
        )  # fmt: skip
    env = {"HAECHI_HOME": str(settings.home), "HAECHI_PUBLIC_URL": "https://haechi.example"}
    runner = CliRunner()
    out = tmp_path / "notice.json"
    exported = runner.invoke(app, ["notices", "export", str(sent.id), "--out", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["credentialSubject"]["platform"] == "local-portal"
    assert document["credentialSubject"]["notice"] == sent.id
    code = exported.stdout.rsplit(" ", 1)[-1].strip()
    with db.session() as session:
        assert find_code(session, code).document == document
    again = runner.invoke(app, ["notices", "export", str(sent.id), "--out", str(out)], env=env)
    assert again.exit_code == 0 and code in again.stdout  # the same credential, not a new one
    ok = runner.invoke(app, ["trust", "verify", str(out)], env=env)
    assert ok.exit_code == 0, ok.output
    unsent = runner.invoke(app, ["notices", "export", str(draft.id), "--out", str(out)], env=env)
    assert unsent.exit_code != 0 and "has not been sent" in unsent.stderr
    missing = runner.invoke(app, ["notices", "export", "999", "--out", str(out)], env=env)
    assert missing.exit_code != 0
