"""A withdrawal stops everything new that would name her hits, through the real services: the
repeat and the block request of a notice already sent leave her hits out, a notice that cited
only hers is not followed up (nor is the follow-up job due for it), a notice drafted but not
sent is discarded and its other hits drafted again, a police package made afterwards names only
the other hits of the case, and sending refuses a notice whose hashes were withdrawn since."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from haechi.banks.model import NewEntry
from haechi.cases.police import make_police_report
from haechi.hashing.signals import Signal, SignalKind
from haechi.intake import service
from haechi.notices import Decision, Desk, NoticeConfig, decide, draft_notices, parse_platforms
from haechi.notices.followup import due_for_follow_up, follow_up
from haechi.notices.model import NoticeKind, NoticeStatus
from haechi.notices.sending import Mark, approve, mark, send
from haechi.scan.model import Hit, MatchDetail, Sighting
from haechi.store.banks import BankStore
from haechi.store.database import Database
from haechi.store.notices import NoticeStore, PlatformStore
from haechi.store.scans import ScanStore
from tests.intake.test_intake_service import CONFIG, PDQ_A, PDQ_B, T0, image, register
from tests.notices.world import DIRECTORY


def test_withdrawal_keeps_her_hits_out_of_follow_ups_and_police_packages(
    db: Database, tmp_path: Path
) -> None:
    kit = register(db, [image(1, PDQ_A)], ["notify", "police"])
    with db.session() as session:
        banks = BankStore(session)
        [hers] = banks.entries("intake-pending")
        assert hers.case_ref
        # The centre registered another item on her case before: its hits are not hers to take.
        banks.get_or_create("centre")
        [theirs] = banks.add_entries(
            "centre", [NewEntry((Signal(SignalKind.PDQ, PDQ_B, 100),), "", hers.case_ref, T0)]
        )
        PlatformStore(session).save(parse_platforms(DIRECTORY), T0)
        scans = ScanStore(session)
        scan = scans.start("test", "url-list")

        def hit(entry: int, url: str) -> Hit:
            found = scans.add_hit(
                scan, entry, MatchDetail("pdq", 3), url.encode().hex().ljust(64, "0")[:64],
                Sighting(url, "web"),
            )  # fmt: skip
            assert found is not None
            return found

        her_portal = hit(hers.id, "http://127.0.0.1/img/hers.jpg")
        their_portal = hit(theirs.id, "http://127.0.0.1/img/theirs.jpg")
        her_host = hit(hers.id, "http://localhost/img/hers.jpg")
        found_later = [
            hit(hers.id, "http://127.0.0.1/hers-2.jpg"),
            hit(theirs.id, "http://127.0.0.1/x.jpg"),
        ]
    clock = [T0]
    desk = Desk(
        db, NoticeConfig(organisation="Test centre", repeats_before_escalation=0), lambda: clock[0]
    )
    ids = [her_portal.id, their_portal.id, her_host.id]
    decide(desk, ids, Decision.CONFIRMED, "reviewer-1")
    drafted = {n.platform: n for n in draft_notices(desk).notices}
    assert {p: sorted(i.hit_id for i in n.items) for p, n in drafted.items()} == {
        "local-portal": sorted([her_portal.id, their_portal.id]),
        "local-host": [her_host.id],
    }
    approve(desk, [n.id for n in drafted.values()])
    for notice in drafted.values():
        mark(desk, notice.id, Mark.SUBMITTED)
    decide(desk, [h.id for h in found_later], Decision.CONFIRMED, "reviewer-1")
    [unsent] = draft_notices(desk).notices
    approve(desk, [unsent.id])  # approved, not sent yet

    token = service.recover(
        db, kit.case_number, kit.phrase, address="192.0.2.1", now=T0, config=CONFIG
    )
    assert service.withdraw(db, token, now=T0 + timedelta(minutes=10)) == 1
    with db.session() as session:
        assert NoticeStore(session).get(unsent.id).status is NoticeStatus.DISCARDED
    [again] = draft_notices(desk).notices  # the other victim's hit, drafted again alone
    assert [i.hit_id for i in again.items] == [found_later[1].id]

    clock[0] = later = T0 + timedelta(hours=25)  # both notices are past their 24 hours
    with db.session() as session:
        [due], _ = due_for_follow_up(NoticeStore(session), later)
    assert due.id == drafted["local-portal"].id  # the one citing only hers is not due
    done = follow_up(desk, later)
    [repeat] = done.repeats
    [block] = done.block_requests
    for notice in (repeat, block):
        assert [i.hit_id for i in notice.items] == [their_portal.id], notice.kind
        assert "hers.jpg" not in notice.text and "theirs.jpg" in notice.text
    assert (repeat.kind, block.kind) == (NoticeKind.REPEAT, NoticeKind.BLOCK_REQUEST)
    assert repeat.previous_id == drafted["local-portal"].id
    with db.session() as session:
        assert due_for_follow_up(NoticeStore(session), later)[0] == []  # the job rests too
    assert draft_notices(desk).notices == []

    package = make_police_report(desk, hers.case_ref, "Seoul Mapo police station", tmp_path)
    facts = json.loads((package.folder / "hits.json").read_text(encoding="utf-8"))
    assert [h["id"] for h in facts["hits"]] == [their_portal.id, found_later[1].id]
    assert "hers.jpg" not in json.dumps(facts) and "hers-2.jpg" not in json.dumps(facts)
    # The host's notice named only her hit: the package does not list it.
    assert drafted["local-host"].id not in [n["id"] for n in facts["notices"]]

    # Withdrawn some other way (`haechi bank withdraw`, a case closed): sending refuses.
    approve(desk, [again.id])
    with db.session() as session:
        BankStore(session).withdraw(theirs.id, clock[0])
    refused = send(desk, [again.id])
    assert refused.sent == [] and [n for n, _ in refused.failed] == [again.id]
    assert "withdrawn" in refused.failed[0][1]


def test_a_team_withdrawal_discards_unsent_notices_too(db: Database) -> None:
    """`haechi bank withdraw` and the register page use the same rule as her own withdrawal."""
    from haechi.banks.service import withdraw_entries

    kit = register(db, [image(1, PDQ_A)], ["notify"])
    assert kit.case_number
    with db.session() as session:
        [hers] = BankStore(session).entries("intake-pending")
        PlatformStore(session).save(parse_platforms(DIRECTORY), T0)
        scans = ScanStore(session)
        found = scans.add_hit(
            scans.start("test", "url-list"), hers.id, MatchDetail("pdq", 3), "ab" * 32,
            Sighting("http://127.0.0.1/img/hers.jpg", "web"),
        )  # fmt: skip
        assert found is not None
    desk = Desk(db, NoticeConfig(organisation="Test centre"), lambda: T0)
    decide(desk, [found.id], Decision.CONFIRMED, "reviewer-1")
    [drafted] = draft_notices(desk).notices
    withdraw_entries(db, [hers.id])
    with db.session() as session:
        assert NoticeStore(session).get(drafted.id).status is NoticeStatus.DISCARDED
