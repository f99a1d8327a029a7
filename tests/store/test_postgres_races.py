"""Races that SQLite's one writer never showed, run with real threads on their own connections.

Each test holds the first writer's transaction open, starts the second writer in a thread and
waits until PostgreSQL shows it blocked on the first one's lock (``pg_stat_activity``), then
lets the first commit: the overlap is certain, not hoped for, and no test sleeps. Every race
must end in one consistent outcome: one row, and the loser told so or finding nothing to do.
The sending race needs no lock (the claim is committed before the mail goes out), so it runs
on SQLite too.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text
from tests.notices.world import (
    DIRECTORY,
    Clock,
    Mailbox,
    build_world,
    free_port,
    make_hits,
    settings_for,
)
from tests.sources.sitekit import serve

from haechi.hashing.media import MediaHashes, Outcome
from haechi.members.model import Actor
from haechi.notices import Decision, NoticeStatus, approve, decide, draft_notices, send
from haechi.notices.errors import IllegalTransition, NoticeError, ReviewError
from haechi.notices.model import Channel, Notice, NoticeItem, NoticeKind
from haechi.notices.platforms import parse_platforms
from haechi.notices.review import decide_hits
from haechi.notices.sending import discard
from haechi.scan.model import MatchDetail, Sighting
from haechi.settings import Settings
from haechi.store.database import Database, open_database
from haechi.store.deliveries import STALE_AFTER, DeliveryStore
from haechi.store.models import HitRow, MediaRow, ReviewRow, utcnow
from haechi.store.notices import NoticeStore, PlatformStore
from haechi.store.scans import ScanStore
from haechi.store.team_models import NoticeDeliveryRow


class Racer:
    """A function run in a thread; :meth:`result` re-raises what it raised."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self._work, self._value, self._error = work, None, None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:
            self._error = exc

    @property
    def done(self) -> bool:
        """Whether the work has ended."""
        return not self._thread.is_alive()

    def result(self) -> Any:
        self._thread.join(60)
        assert not self._thread.is_alive(), "the second writer never finished"
        if self._error is not None:
            raise self._error
        return self._value


@pytest.fixture
def pg(db: Database) -> Database:
    """The test's database, when it is PostgreSQL (the second writer must block on a lock)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a row lock race: run with --database=postgresql (make test does)")
    return db


def blocked_on_a_lock(db: Database, racer: Racer) -> None:
    """Wait until the racer waits for a lock in this database (at most 30 s).

    A racer that ended instead (it failed, or never needed the lock) is shown by its result.
    """
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 30
    # Autocommit: within one transaction PostgreSQL shows the same snapshot of its activity.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while conn.execute(query).scalar_one() == 0:
            if racer.done:
                racer.result()
                pytest.fail("the second writer finished without meeting the first's lock")
            assert time.monotonic() < deadline, "the second writer never met the first's lock"
            time.sleep(0.02)


def _media(sha256: str) -> MediaHashes:
    return MediaHashes(sha256=sha256, md5="0" * 32, size=1234, outcome=Outcome.OK)


def test_two_scans_recording_one_file_at_one_place_keep_one_row(pg: Database) -> None:
    [hit] = make_hits(pg, ["http://board.example/1"])
    sha = "ab" * 32
    seen = Sighting("http://board.example/2", "web")

    def record(session: Any, scan_id: int) -> Any:
        from haechi.store.media import MediaStore

        MediaStore(session).record(_media(sha))
        return ScanStore(session).add_hit(scan_id, hit.entry, MatchDetail("pdq", 3), sha, seen)

    def second_scan() -> Any:
        with pg.session() as session:
            return record(session, ScanStore(session).start("second", "url-list"))

    with pg.session() as first:
        mine = record(first, ScanStore(first).start("first", "url-list"))
        racer = Racer(second_scan)
        blocked_on_a_lock(pg, racer)
    assert mine is not None
    assert racer.result() is None  # nothing new for the second scan, and no failure
    with pg.session() as session:
        assert session.scalar(select(func.count()).where(MediaRow.sha256 == sha)) == 1
        assert session.scalar(select(func.count()).where(HitRow.location == seen.location)) == 1


def test_two_reviewers_deciding_one_hit_at_once(pg: Database) -> None:
    differ, agree = make_hits(pg, ["http://board.example/1", "http://board.example/2"])
    kim, lee = Actor(None, "kim", None), Actor(None, "lee", None)

    def decided_by_lee(hit_id: int, decision: Decision) -> Any:
        with pg.session() as session:
            return decide_hits(session, lee, [hit_id], decision, "lee", now=utcnow())

    # Kim confirms while Lee rejects: Lee is told, and Kim's decision stands.
    with pg.session() as session:
        decide_hits(session, kim, [differ.id], Decision.CONFIRMED, "kim", now=utcnow())
        racer = Racer(lambda: decided_by_lee(differ.id, Decision.REJECTED))
        blocked_on_a_lock(pg, racer)
    with pytest.raises(ReviewError, match=rf"hit {differ.id} was confirmed by kim a moment ago"):
        racer.result()
    # Both confirm: both succeed, one review.
    with pg.session() as session:
        decide_hits(session, kim, [agree.id], Decision.CONFIRMED, "kim", now=utcnow())
        racer = Racer(lambda: decided_by_lee(agree.id, Decision.CONFIRMED))
        blocked_on_a_lock(pg, racer)
    assert [r.decision for r in racer.result()] == [Decision.CONFIRMED]
    with pg.session() as session:
        reviews = session.execute(select(ReviewRow.hit_id, ReviewRow.decision, ReviewRow.reviewer))
        assert sorted(reviews) == [(differ.id, "confirmed", "kim"), (agree.id, "confirmed", "kim")]


def _drafted_notice(db: Database, clock: Clock) -> Notice:
    """A drafted notice citing one hit, to a platform of the notice tests' directory."""
    [hit] = make_hits(db, ["http://board.example/1"])
    with db.session() as session:
        PlatformStore(session).save(parse_platforms(DIRECTORY), clock())
        item = NoticeItem(hit.id, hit.location, None, hit.sha256, None, None)
        args = (NoticeKind.TAKEDOWN, Channel.EMAIL, "en", "abuse@x.example", "s", "t", "0" * 64)
        return NoticeStore(session).create("local-portal", *args, [item], clock())


def test_a_notice_acted_on_twice_at_once(pg: Database) -> None:
    clock = Clock()
    notice = _drafted_notice(pg, clock)

    def moved(status: NoticeStatus) -> Any:
        with pg.session() as session:
            return NoticeStore(session).transition(notice.id, status, clock())

    # Approved twice at once: the second approver hears it is approved already.
    with pg.session() as session:
        NoticeStore(session).transition(notice.id, NoticeStatus.APPROVED, clock())
        racer = Racer(lambda: moved(NoticeStatus.APPROVED))
        blocked_on_a_lock(pg, racer)
    with pytest.raises(IllegalTransition, match="cannot go from approved to approved"):
        racer.result()
    # Discarded while being marked sent: the discard waits, then is refused (sent is final).
    with pg.session() as session:
        NoticeStore(session).transition(notice.id, NoticeStatus.SENT, clock())
        racer = Racer(lambda: moved(NoticeStatus.DISCARDED))
        blocked_on_a_lock(pg, racer)
    with pytest.raises(IllegalTransition, match="from sent to discarded"):
        racer.result()
    with pg.session() as session:
        final = NoticeStore(session).get(notice.id)
    assert final.status is NoticeStatus.SENT
    assert [e.status for e in final.events] == [
        NoticeStatus.DRAFTED,
        NoticeStatus.APPROVED,
        NoticeStatus.SENT,
    ]


class HeldMailbox(Mailbox):
    """A mailbox that holds each message's DATA until the test lets it through."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.set()
        await asyncio.to_thread(self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def held_world(tmp_path: Path) -> Iterator[Any]:
    mailbox, port = HeldMailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings: Settings = settings_for(tmp_path)
    try:
        with serve() as site:
            db = open_database(settings)
            try:
                yield build_world(tmp_path, site, db, settings, mailbox, port)
            finally:
                db.close()
    finally:
        mailbox.release.set()
        controller.stop()


def test_a_notice_is_sent_once_however_many_runs_send_it(held_world: Any) -> None:
    world = held_world
    decide(world.desk, [world.hits["a"].id], Decision.CONFIRMED, "kim")
    [notice] = draft_notices(world.desk).notices
    approve(world.desk, [notice.id])
    first = Racer(lambda: send(world.desk))
    assert world.mailbox.arrived.wait(30)  # the first run's mail is on the wire
    second = send(world.desk)  # the scheduler, or a person pressing send, meanwhile
    assert second.sent == []
    assert [n for n, _ in second.failed] == [notice.id]
    assert "another sending run" in second.failed[0][1]
    with pytest.raises(NoticeError, match="being sent right now"):
        discard(world.desk, notice.id)
    world.mailbox.release.set()
    done = first.result()
    assert [n.id for n in done.sent] == [notice.id] and done.failed == []
    assert len(world.mailbox.received) == 1
    with world.db.session() as session:
        claim = session.get(NoticeDeliveryRow, notice.id)
        assert claim is not None and claim.delivered_at is not None
        assert NoticeStore(session).get(notice.id).status is NoticeStatus.SENT
    assert send(world.desk).sent == []  # nothing left to send, nothing sent twice


def test_a_claim_left_by_a_run_that_died_is_taken_over_later(db: Database) -> None:
    clock = Clock()
    notice = _drafted_notice(db, clock)
    with db.session() as session:
        NoticeStore(session).transition(notice.id, NoticeStatus.APPROVED, clock())
        assert DeliveryStore(session).claim(notice.id, "run 1", clock()) is None
    with db.session() as session:  # run 1 died mid-delivery: its claim holds for a while
        refused = DeliveryStore(session).claim(notice.id, "run 2", clock())
        assert refused is not None and "run 1" in refused
    clock.advance(seconds=STALE_AFTER.total_seconds() + 1)
    with db.session() as session:  # then it no longer stops a discard, nor another run
        assert not DeliveryStore(session).taken(notice.id, clock())
        assert DeliveryStore(session).claim(notice.id, "run 2", clock()) is None
        assert DeliveryStore(session).taken(notice.id, clock())
