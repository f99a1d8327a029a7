"""The intake service on a real SQLite file: a registration comes back with its phrase and
only with it, wrong phrases are throttled, near-duplicates fold, low quality is explained,
reviewers approve before sharing, and a withdrawal deletes the hashes and keeps her hits out
of new notices."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from haechi.cli import app
from haechi.intake import codes, review, service
from haechi.intake.errors import IntakeError, IntakeRefused, IntakeThrottled, IntakeUnknown
from haechi.intake.guard import IntakeConfig, issue_challenge, leading_zero_bits
from haechi.intake.status import status_of
from haechi.members.model import Actor, Role
from haechi.notices import Decision, Desk, NoticeConfig, decide, draft_notices, parse_platforms
from haechi.scan.model import MatchDetail, Sighting
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database, open_database
from haechi.store.notices import PlatformStore
from haechi.store.scans import ScanStore
from tests.notices.world import DIRECTORY

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
CONFIG = IntakeConfig(pow_bits=4)
runner = CliRunner()
STAFF = Actor(1, "kim", Role.LIAISON, "127.0.0.1")
PDQ_A = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
PDQ_A2 = "d8f8f0cee0f4a84f0637022a038f67f0b36e2ed596631e1d33e6339c4e9c9b22"  # 2 bits off
PDQ_B = "30a10efdf1c83f429013d48d0ffffc52e34e0e35ada952a9d29605215aa9e5af"


def image(n: int, pdq: str = PDQ_A, quality: int = 100) -> dict[str, object]:
    """An image item as the page posts it; the digests stand for the bytes ``[n]``."""
    return {
        "kind": "image",
        "pdq": pdq,
        "quality": quality,
        "md5": hashlib.md5(bytes([n])).hexdigest(),
        "sha256": hashlib.sha256(bytes([n])).hexdigest(),
    }


def solve(challenge: str, bits: int) -> str:
    """The proof of work's nonce, found as the page's script finds it."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def solved(db: Database) -> service.Proof:
    with db.session() as session:
        challenge, bits = issue_challenge(session, CONFIG, T0)
    return service.Proof(challenge=challenge, nonce=solve(challenge, bits))


def register(
    db: Database, items: list[dict[str, object]], choices: list[str]
) -> service.Registration:
    return service.register(
        db, items, choices, solved(db), address="192.0.2.1", now=T0, config=CONFIG
    )


def test_register_recover_and_throttle(db: Database) -> None:
    kit = register(db, [image(1, PDQ_A), image(2, PDQ_A2), image(3, PDQ_B, 20)], ["notify"])
    assert kit.entries == 2 and kit.folded == 1
    messages = {n.file: n.message for n in kit.notes}
    assert "folded with file 1" in messages[2]
    assert "quality 20 is below 50" in messages[3]
    with db.session() as session:
        stored = session.execute(text("select number_digest, phrase_hash from intakes")).one()
    assert kit.case_number not in str(stored) and kit.phrase not in str(stored)
    assert stored[1].startswith("$argon2id$")
    # Typed by hand: lower case, blanks instead of dashes, O for 0.
    typed = kit.case_number.lower().replace("-", " ").replace("0", "o")
    token = service.recover(
        db, typed, kit.phrase.upper(), address="192.0.2.1", now=T0, config=CONFIG
    )
    with db.session() as session:
        status = status_of(session, service.opened(session, token, T0))
    assert (status.entries, status.found, status.reported, status.still_online) == (2, 0, 0, 0)
    for _ in range(CONFIG.phrase_tries):
        with pytest.raises(IntakeUnknown):
            service.recover(
                db, kit.case_number, "wrong", address="192.0.2.9", now=T0, config=CONFIG
            )
    with pytest.raises(IntakeThrottled, match="wrong recovery phrases"):  # even the right one
        service.recover(db, kit.case_number, kit.phrase, address="192.0.2.9", now=T0, config=CONFIG)
    later = T0 + CONFIG.lockout + timedelta(seconds=1)
    service.recover(db, kit.case_number, kit.phrase, address="192.0.2.9", now=later, config=CONFIG)
    with pytest.raises(IntakeUnknown):  # an unknown number answers as a wrong phrase
        service.recover(
            db, codes.new_case_number(), kit.phrase, address="192.0.2.8", now=T0, config=CONFIG
        )
    with pytest.raises(IntakeRefused):  # a challenge is good once
        proof = solved(db)
        service.register(
            db, [image(4, PDQ_B)], [], proof, address="192.0.2.2", now=T0, config=CONFIG
        )
        service.register(
            db, [image(5, PDQ_B)], [], proof, address="192.0.2.2", now=T0, config=CONFIG
        )
    with pytest.raises(IntakeError, match="file 1: pdq must be 64"):
        register(db, [{**image(6, PDQ_B), "pdq": "zz"}], [])


def test_withdrawal_deletes_hashes_and_her_hits_get_no_new_notice(db: Database) -> None:
    kit = register(db, [image(1, PDQ_A), image(2, PDQ_B)], ["notify", "share"])
    [first, second] = review.pending(db)
    assert first.share and second.share
    review.decide(db, STAFF, [first.id], approve=True, now=T0)
    assert [p.id for p in review.pending(db)] == [second.id]
    with db.session() as session:
        assert [e.id for e in BankStore(session).entries(review.SHARED_BANK)] == [first.entry_id]
        PlatformStore(session).save(parse_platforms(DIRECTORY), T0)
        scans = ScanStore(session)
        scan = scans.start("test", "url-list")
        hits = [
            scans.add_hit(
                scan,
                entry,
                MatchDetail("pdq", 3),
                f"{n:064x}",
                Sighting(f"http://127.0.0.1/img/{n}.jpg", "web"),
            )
            for n, entry in enumerate((first.entry_id, second.entry_id))
        ]
    desk = Desk(db, NoticeConfig(organisation="Test centre"), lambda: T0)
    decide(desk, [h.id for h in hits if h], Decision.CONFIRMED, "reviewer-1")
    token = service.recover(
        db, kit.case_number, kit.phrase, address="192.0.2.1", now=T0, config=CONFIG
    )
    with db.session() as session:
        assert status_of(session, service.opened(session, token, T0)).found == 2
    assert service.withdraw(db, token, now=T0) == 2
    with db.session() as session:
        store = BankStore(session)
        for p in (first, second):
            entry = store.entry(p.entry_id)
            assert entry.withdrawn_at == T0 and entry.signals == ()
        assert store.pdq_signals() == []
    assert draft_notices(desk).notices == []  # her hits are named in no new notice
    assert review.pending(db) == []


def test_console_lists_pending_and_approves(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = open_database(Settings(home=home, workers=1))
    try:
        register(db, [image(1, PDQ_A)], [])
    finally:
        db.close()
    listed = runner.invoke(app, ["--home", str(home), "intake", "pending", "--json"])
    assert listed.exit_code == 0, listed.output
    [row] = [json.loads(line) for line in listed.output.splitlines() if line.startswith("{")]
    assert (row["kind"], row["quality"], row["share"]) == ("image", 100, False)
    done = runner.invoke(app, ["--home", str(home), "intake", "approve", str(row["id"])])
    assert done.exit_code == 0, done.output
    again = runner.invoke(app, ["--home", str(home), "intake", "approve", str(row["id"])])
    assert again.exit_code == 1 and "already approved" in again.output
    # Unreviewed hashes, and hashes she chose not to share, never reach platforms.
    for bank, why in [("intake-pending", "no reviewer"), ("intake", "chose not to share")]:
        shared = runner.invoke(app, ["--home", str(home), "bank", "share", bank])
        assert shared.exit_code == 2 and why in " ".join(shared.output.split()), shared.output
    shared = runner.invoke(app, ["--home", str(home), "bank", "share", "intake-shared"])
    assert shared.exit_code == 0, shared.output
    link = runner.invoke(app, ["--home", str(home), "intake", "link"])
    assert re.search(r"http://127\.0\.0\.1:8000/intake/start/\S{40,}", link.output)
