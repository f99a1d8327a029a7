"""The whole life of notices on loopback: review, draft, approve, send by SMTP, re-check as the
site takes things down, repeat, escalate to the regulator, close, and count."""

from __future__ import annotations

import json
from email.message import EmailMessage

import pytest

from haechi.audit import trail
from haechi.evidence import EntryKind
from haechi.notices import (
    CheckOutcome,
    Decision,
    HitFilter,
    IllegalTransition,
    Notice,
    NoticeKind,
    NoticeStatus,
    approve,
    decide,
    decide_all,
    draft_notices,
    platform_stats,
    queue,
    run_rechecks,
    send,
)
from haechi.notices.charts import write_charts
from haechi.store.models import HitRow
from haechi.store.notices import NoticeStore
from haechi.testkit.photos import registered_photos
from tests.notices.world import (
    PAGES,
    PHOTOS,
    World,
    fetch_policy,
    jpeg,
    scan_urls,
)


def _body(message: EmailMessage) -> str:
    # One text part; the only attachment is the notice's signed credential (haechi.trust).
    attachments = list(message.iter_attachments())
    assert [a.get_content_type() for a in attachments] in ([], ["application/json"])
    text = message.get_body(("plain",))
    assert text is not None and text.get_content_type() == "text/plain"
    return str(text.get_content())


def _get(world: World, notice_id: int) -> Notice:
    with world.db.session() as session:
        return NoticeStore(session).get(notice_id)


def _all(world: World) -> list[Notice]:
    with world.db.session() as session:
        return NoticeStore(session).find()


def _notice_log(world: World) -> list[dict[str, object]]:
    locker = world.evidence.locker()
    locker.log.refresh()
    return [
        {"subject": e.subject, **e.details}
        for e in locker.log.entries
        if e.kind is EntryKind.NOTICE_SENT
    ]


def test_from_hits_to_removal_repeat_escalation_and_statistics(world: World) -> None:
    desk, clock, hits = world.desk, world.clock, world.hits
    policy = fetch_policy()

    # -- review: nothing is drafted before a person confirms -------------------------------
    assert draft_notices(desk).notices == []
    assert {h.id for h in queue(desk)} == {h.id for h in hits.values()}
    on_portal = decide_all(
        desk, HitFilter(platform="local-portal"), Decision.CONFIRMED, "reviewer-1"
    )
    assert {r.hit_id for r in on_portal} == {hits["a"].id, hits["b"].id}
    decide(desk, [hits["c"].id, hits["e"].id], Decision.CONFIRMED, "reviewer-1")
    decide(desk, [hits["d"].id], Decision.REJECTED, "reviewer-1", "not the registered picture")
    assert queue(desk) == []

    # -- drafts: one per platform, in the platform's language ------------------------------
    drafted = draft_notices(desk)
    assert drafted.unassigned == []
    by_platform = {n.platform: n for n in drafted.notices}
    assert set(by_platform) == {"local-portal", "local-host"}
    portal, host = by_platform["local-portal"], by_platform["local-host"]
    assert {i.hit_id for i in portal.items} == {hits["a"].id, hits["b"].id}
    assert {i.hit_id for i in host.items} == {hits["c"].id, hits["e"].id}  # d was rejected
    assert portal.language == "ko, en" and host.language == "en"  # Korean, then English
    assert all(i.capture_id and i.captured_at for n in drafted.notices for i in n.items)
    assert draft_notices(desk).notices == []  # each hit is drafted once

    with pytest.raises(IllegalTransition, match="approve it first"):
        send(desk, [portal.id])
    approve(desk, [portal.id, host.id])
    sent_at = clock()
    result = send(desk)
    assert result.failed == [] and result.evidence_errors == []
    assert {n.id for n in result.sent} == {portal.id, host.id}
    with world.db.session() as session:  # every notice that leaves is in the audit trail
        audited = trail.events(session, kind=trail.AuditKind.NOTICE_SENT)
    assert {e.detail["notice"] for e in audited} == {portal.id, host.id}
    assert {e.actor_name for e in audited} == {"console"}

    # -- the mail as the platforms receive it ----------------------------------------------
    messages = {m["To"]: m for m in world.mailbox.messages()}
    assert set(messages) == {"abuse@local-portal.example", "abuse@local-host.example"}
    for to, notice in (("abuse@local-portal.example", portal), ("abuse@local-host.example", host)):
        message = messages[to]
        assert message["X-Haechi-Notice"] == str(notice.id)
        assert message["From"].addresses[0].addr_spec == "takedown@haechi-centre.example"
        assert message["Message-ID"].endswith("@haechi-centre.example>")
        assert message["Content-Language"] == notice.language
        body = _body(message)
        for item in notice.items:
            assert item.url in body
            assert item.sha256 in body
            assert str(item.capture_id) in body
        stored = _get(world, notice.id)
        assert message["X-Haechi-Text-SHA256"].strip() == stored.text_sha256
        # The stored text, then the verification code and link of its signed credential.
        sent, _, footer = body.replace("\r\n", "\n").partition("\n\n-- \n")
        assert stored.body == sent + "\n" or stored.body == sent
        assert message["X-Haechi-Verification-Code"] in footer
    ko = _body(messages["abuse@local-portal.example"])
    assert "삭제" in ko and "정보통신망법 제44조의2" in ko
    assert "[삭제 요청]" in messages["abuse@local-portal.example"]["Subject"]
    korean, english_follows, english = ko.partition("---------- English ----------")
    assert english_follows, "a Korean platform's notice has its English version after it"
    assert "삭제를 요청합니다" in korean and "please remove" not in korean.lower()
    assert "please remove" in english.lower() and "Subject:" not in english
    assert "해치 지원센터" in korean and "Haechi Support Centre" in english
    assert all(item.sha256 in english for item in portal.items)
    en = _body(messages["abuse@local-host.example"])
    assert "please remove" in en.lower() and "Terms of service" in en
    assert "English ----" not in en and "삭제" not in en  # overseas: English only
    assert "Haechi Support Centre" in en and "해치 지원센터" not in en
    assert messages["abuse@local-host.example"]["From"].addresses[0].display_name == (
        "Haechi Support Centre"
    )
    assert messages["abuse@local-portal.example"]["From"].addresses[0].display_name == (
        "해치 지원센터"
    )
    assert messages["abuse@local-portal.example"]["Content-Language"] == "ko, en"
    for message in messages.values():  # first notices start their own threads
        assert message["In-Reply-To"] is None and message["References"] is None
    sender, _, raw = world.mailbox.received[0]
    assert sender == "takedown@haechi-centre.example"
    # No picture ever leaves: the one attachment is the signed credential (JSON).
    assert raw.count(b"Content-Disposition: attachment") == 1 and b"image/" not in raw
    assert b"application/json" in raw

    logged = _notice_log(world)
    assert {(e["notice"], e["event"]) for e in logged} == {
        (portal.id, "sent"),
        (host.id, "sent"),
    }
    assert {e["subject"] for e in logged} == {i.capture_id for n in (portal, host) for i in n.items}

    # -- an hour later nothing is due ------------------------------------------------------
    clock.advance(hours=1)
    assert run_rechecks(desk, policy).checks == []

    # -- the site takes some things down ---------------------------------------------------
    site = world.site
    photos = registered_photos()
    site.image(PAGES["a"][2], b"gone", status=410, content_type="text/plain")
    site.image(PAGES["b"][2], jpeg(photos["camera"]), content_type="image/jpeg")  # swapped
    site.page(PAGES["e"][2], "<p>This content has been removed by the host.</p>")
    clock.advance(hours=24)  # sent + 25 h: past both deadlines
    run = run_rechecks(desk, policy)
    outcomes = {c.hit_id: c for c in run.checks}
    assert set(outcomes) == {hits[x].id for x in "abce"}
    assert outcomes[hits["a"].id].outcome is CheckOutcome.REMOVED
    assert outcomes[hits["a"].id].status == 410
    assert outcomes[hits["b"].id].outcome is CheckOutcome.REMOVED
    assert "other media" in outcomes[hits["b"].id].detail
    assert outcomes[hits["e"].id].outcome is CheckOutcome.REMOVED
    assert "removed-content page" in outcomes[hits["e"].id].detail
    assert outcomes[hits["c"].id].outcome is CheckOutcome.PRESENT
    assert [n.id for n in run.closed] == [portal.id]
    assert _get(world, portal.id).status is NoticeStatus.REMOVED
    assert _get(world, host.id).status is NoticeStatus.NO_ANSWER
    [repeat] = run.followups.repeats
    assert run.followups.block_requests == []  # escalation only after a repeat is ignored
    assert repeat.kind is NoticeKind.REPEAT and repeat.previous_id == host.id
    assert [i.hit_id for i in repeat.items] == [hits["c"].id]
    assert f"#{host.id}" in repeat.text and "repeat 1" in repeat.subject

    # a re-encoded copy is still the content: still up
    site.image(PAGES["c"][2], jpeg(photos[PHOTOS["c"]], quality=55), content_type="image/jpeg")
    approve(desk, [repeat.id])
    repeat_sent_at = clock()
    assert [n.id for n in send(desk).sent] == [repeat.id]
    first_id = _get(world, host.id).message_id
    repeat_id = _get(world, repeat.id).message_id
    assert first_id and repeat_id and first_id != repeat_id
    repeated = world.mailbox.messages()[-1]
    assert repeated["Message-ID"].strip() == repeat_id  # a long header folds: strip
    assert repeated["In-Reply-To"].strip() == first_id
    assert repeated["References"].split() == [first_id]
    clock.advance(hours=25)
    run = run_rechecks(desk, policy)
    [check] = run.checks
    assert check.outcome is CheckOutcome.PRESENT and "re-encoded" in check.detail
    [second_repeat] = run.followups.repeats
    [block] = run.followups.block_requests
    assert second_repeat.previous_id == repeat.id and "repeat 2" in second_repeat.subject
    assert block.platform == "regulator" and block.kind is NoticeKind.BLOCK_REQUEST
    assert block.language == "ko, en" and "[심의 요청]" in block.subject
    assert hits["c"].location in block.text and hits["c"].sha256 in block.text
    assert f"통지 #{host.id}" in block.text and f"통지 #{repeat.id}" in block.text
    # each earlier notice as it stands everywhere else: both went unanswered
    assert _get(world, host.id).status is NoticeStatus.NO_ANSWER
    assert _get(world, repeat.id).status is NoticeStatus.NO_ANSWER
    for earlier in (host, repeat):
        assert f"통지 #{earlier.id} " in block.text and f"notice #{earlier.id} " in block.text
    history = [line for line in block.text.splitlines() if line.startswith(("- 통지", "- notice"))]
    assert len(history) == 4 and all(
        line.endswith(("상태: 무응답", "status: no answer")) for line in history
    ), history
    assert "발송됨" not in block.text and "status: sent" not in block.text

    approve(desk, [block.id, second_repeat.id])
    assert {n.id for n in send(desk).sent} == {block.id, second_repeat.id}
    by_to = {m["X-Haechi-Notice"]: m for m in world.mailbox.messages()[-2:]}
    to_regulator = by_to[str(block.id)]
    assert to_regulator["To"] == "report@regulator.example"
    assert hits["c"].sha256 in _body(to_regulator)
    assert to_regulator["In-Reply-To"] is None  # the regulator never saw the host's mail
    second = by_to[str(second_repeat.id)]
    assert second["In-Reply-To"].strip() == first_id
    assert second["References"].split() == [first_id, repeat_id]

    # no new follow-ups while the last ones are pending
    clock.advance(hours=1)
    assert run_rechecks(desk, policy).followups.repeats == []

    # -- finally gone: every waiting notice citing it closes -------------------------------
    site.image(PAGES["c"][2], b"", status=404, content_type="text/plain")
    clock.advance(hours=23)
    removed_at = clock()
    run = run_rechecks(desk, policy)
    assert [c.outcome for c in run.checks] == [CheckOutcome.REMOVED]
    assert {n.id for n in run.closed} == {host.id, repeat.id, second_repeat.id, block.id}
    overdue = [
        n for n in _all(world) if n.overdue(clock()) and n.kind is not NoticeKind.BLOCK_REQUEST
    ]
    assert overdue == []
    events = {(e["notice"], e["event"]) for e in _notice_log(world) if "notice" in e}
    assert (portal.id, "removed") in events and (block.id, "removed") in events
    gone = [e for e in _notice_log(world) if e.get("event") == "content-gone"]
    assert {e["hit"] for e in gone} == {hits[x].id for x in "abce"}

    # -- a re-upload after removal, found by a later scan ----------------------------------
    site.image("/img/again.jpg", jpeg(photos[PHOTOS["a"]], quality=60), content_type="image/jpeg")
    site.page("/board/9", '<img src="/img/again.jpg">')
    report = scan_urls(
        world.db, world.settings, world.evidence, [site.url("/board/9")], world.tmp / "again.txt"
    )
    [again] = report.hits
    with world.db.session() as session:  # the scan stamps real time; move it onto the clock
        row = session.get(HitRow, again.id)
        assert row is not None
        row.found_at = clock()

    # -- statistics from the known timings -------------------------------------------------
    figures = {s.platform: s for s in platform_stats(desk)}
    assert set(figures) == {"local-portal", "local-host"}
    p = figures["local-portal"]
    assert (p.notices_sent, p.items_reported, p.items_removed) == (1, 2, 2)
    assert p.median_hours == pytest.approx(25) and p.p90_hours == pytest.approx(25)
    assert p.never_removed_share == 0 and p.reuploads == 1
    h = figures["local-host"]
    assert (h.notices_sent, h.items_reported, h.items_removed) == (3, 2, 2)  # with 2 repeats
    c_hours = (removed_at - sent_at).total_seconds() / 3600
    assert c_hours == pytest.approx(74)
    assert h.median_hours == pytest.approx((25 + 74) / 2)
    assert h.p90_hours == pytest.approx(25 + 0.9 * (74 - 25))
    assert h.reuploads == 0
    assert (repeat_sent_at - sent_at).total_seconds() == 25 * 3600
    paths = write_charts(list(figures.values()), world.tmp / "charts")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert paths[0].read_bytes().startswith(b"\x89PNG")
    assert b"local-portal" in paths[1].read_bytes() or b"<svg" in paths[1].read_bytes()
    json.dumps([s.as_json() for s in figures.values()])
