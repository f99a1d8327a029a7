"""A scripted world for the public report: three host platforms and a regulator, victims with
names, cases and labelled bank entries, hits on several hosts, notices drafted, approved and
submitted through the notice services at known times (an injectable clock), removals seen at
known hours, re-uploads after removal, a repeat and an escalation.

The quarter is 2026-Q4 in Asia/Seoul: 2026-09-30 15:00 UTC to 2026-12-31 15:00 UTC.

- ``vidhub``: five notices in October (1st, 8th, 15th, 22nd, 29th, 01:00 UTC), three items
  each; the items are removed after 1, 2, ..., 10 hours, five never. Re-uploads in November:
  five counted, plus one a reviewer rejected, one found before its original was removed, and
  one on another platform (none of them counted).
- ``picshare``: five notices in October and one in November, two items each; removed after
  1, 2, 3, 5, 8, 13, 21, 34 hours, then two never (October), then 89 hours and never
  (November).
- ``boardnet``: one notice on 10 November with two items never removed, a repeat when its
  day ran out, then a block request to the regulator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from haechi.banks.model import NewEntry
from haechi.cases.personal import PersonalData, open_case
from haechi.hashing import Signal, SignalKind
from haechi.members.model import Actor
from haechi.notices import Desk, NoticeConfig, parse_platforms
from haechi.notices.drafting import draft_notices
from haechi.notices.followup import follow_up
from haechi.notices.model import Decision, NoticeKind
from haechi.notices.review import decide
from haechi.notices.sending import Mark, approve, close_removed, mark, send
from haechi.scan.model import Hit, MatchDetail, Sighting
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database, open_database
from haechi.store.models import HitRow
from haechi.store.notices import NoticeStore, PlatformStore
from haechi.store.scans import ScanStore

DIRECTORY = """
format = "haechi-platforms/v1"

[[platform]]
name = "vidhub"
title = "VidHub"
domains = ["vid-hub.example"]
web_form = "https://vid-hub.example/legal/report"
language = "en"
legal_basis = "Terms of service"
deadline_hours = 99999

[[platform]]
name = "picshare"
title = "픽쉐어"
domains = ["pics-share.example"]
web_form = "https://pics-share.example/help/report"
language = "ko"
legal_basis = "정보통신망법 제44조의2"
deadline_hours = 99999

[[platform]]
name = "boardnet"
title = "BoardNet"
domains = ["board-net.example"]
web_form = "https://board-net.example/abuse"
language = "en"
legal_basis = "Terms of service"
deadline_hours = 24

[[platform]]
name = "regulator"
title = "방송통신심의위원회"
kind = "regulator"
country = "KR"
web_form = "https://regulator-kr.example/report"
language = "ko"
legal_basis = "방송통신위원회법 제21조"
"""

HOSTS = {
    "vidhub": "vid-hub.example",
    "picshare": "pics-share.example",
    "boardnet": "board-net.example",
}
VICTIMS = {"TR-CASE-0001": "김지은", "TR-CASE-0002": "Park Minseo", "TR-CASE-0003": "이서연"}
OTHER_HOSTS = ("regulator-kr.example",)
VIDHUB_HOURS: list[float | None] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None, None, None, None, None]
PICSHARE_HOURS: list[float | None] = [1, 2, 3, 5, 8, 13, 21, 34, None, None, 89, None]


def at(day: str, hour: int = 1) -> datetime:
    """A UTC moment: ``at("2026-10-01")`` is 1 October, 01:00 UTC (10:00 in Seoul)."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


class Clock:
    """The world's time, set by the script."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    db: Database
    settings: Settings
    desk: Desk
    clock: Clock
    tmp: Path
    urls: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    _count: int = 0

    def hit(self, platform: str, found: datetime, entry: int | None = None) -> Hit:
        """A hit on ``platform`` found at ``found``: a new labelled entry of a case, or another
        copy of bank entry ``entry``."""
        self._count += 1
        n = self._count
        host = HOSTS[platform]
        url = f"https://cdn.{host}/m/{n:04d}.jpg"
        page = f"https://{host}/post/{n}"
        ref = sorted(VICTIMS)[n % len(VICTIMS)]
        with self.db.session() as session:
            banks, scans = BankStore(session), ScanStore(session)
            banks.get_or_create("victims")
            if entry is None:
                label = f"label {ref} photo {n} from her phone"
                [made] = banks.add_entries(
                    "victims",
                    [NewEntry((Signal(SignalKind.SHA256, f"{n:064x}"),), label, ref)],
                )
                entry = made.id
                self.labels.append(label)
            scan_id = scans.start("scripted", "url-list")
            found_hit = scans.add_hit(
                scan_id, entry, MatchDetail("sha256", 0), f"{n:064x}", Sighting(url, "web", page)
            )
            assert found_hit is not None
            row = session.get(HitRow, found_hit.id)
            assert row is not None
            row.found_at = found
        self.urls += [url, page]
        hit = dataclasses.replace(found_hit, found_at=found)
        self.hits.setdefault(platform, []).append(hit)
        return hit

    def notify(self, hits: list[Hit], sent: datetime) -> int:
        """Confirm, draft, approve and submit one notice citing ``hits`` at ``sent``."""
        self.clock.now = sent - timedelta(minutes=30)
        decide(self.desk, [h.id for h in hits], Decision.CONFIRMED, "reviewer-kim")
        [notice] = draft_notices(self.desk, hit_ids=[h.id for h in hits]).notices
        approve(self.desk, [notice.id])
        self.clock.now = sent
        assert [n.id for n in send(self.desk, [notice.id]).manual] == [notice.id]
        mark(self.desk, notice.id, Mark.SUBMITTED)
        return notice.id

    def removed(self, hit: Hit, gone: datetime) -> None:
        """A re-check saw ``hit`` gone at ``gone``."""
        with self.db.session() as session:
            store = NoticeStore(session)
            touched = store.mark_removed(hit.id, gone, "the page answers 404")
            close_removed(store, touched, gone, "its items were removed")


def _script(world: World) -> None:
    # vidhub: five notices in October, three items each.
    for week in range(5):
        sent = at("2026-10-01") + timedelta(days=7 * week)
        batch = [world.hit("vidhub", sent - timedelta(hours=5)) for _ in range(3)]
        world.notify(batch, sent)
        for k, hit in enumerate(batch):
            hours = VIDHUB_HOURS[3 * week + k]
            if hours is not None:
                world.removed(hit, sent + timedelta(hours=hours))
    removed = [h for h, hrs in zip(world.hits["vidhub"], VIDHUB_HOURS, strict=True) if hrs]
    for k in range(5):  # counted re-uploads, on vidhub, after removal
        world.hit("vidhub", at("2026-11-03") + timedelta(days=k), removed[k].entry)
    rejected = world.hit("vidhub", at("2026-11-20"), removed[5].entry)
    world.clock.now = at("2026-11-21")
    decide(world.desk, [rejected.id], Decision.REJECTED, "reviewer-kim", "not her")
    # Found an hour after its notice, before the removal (10 hours later): not a re-upload.
    world.hit("vidhub", at("2026-10-22", 2), world.hits["vidhub"][9].entry)
    world.hit("picshare", at("2026-11-25"), removed[6].entry)  # another platform: not counted

    # picshare: six notices, two items each.
    sends = [at("2026-10-02") + timedelta(days=7 * w) for w in range(5)] + [at("2026-11-06")]
    picshare: list[Hit] = []
    for w, sent in enumerate(sends):
        batch = [world.hit("picshare", sent - timedelta(hours=3)) for _ in range(2)]
        picshare += batch
        world.notify(batch, sent)
        for k, hit in enumerate(batch):
            hours = PICSHARE_HOURS[2 * w + k]
            if hours is not None:
                world.removed(hit, sent + timedelta(hours=hours))

    # boardnet: one notice, a repeat a day later, then the regulator.
    board = [world.hit("boardnet", at("2026-11-09")) for _ in range(2)]
    world.notify(board, at("2026-11-10"))
    world.clock.now = at("2026-11-12")
    [repeat] = follow_up(world.desk, world.clock()).repeats
    approve(world.desk, [repeat.id])
    send(world.desk, [repeat.id])
    mark(world.desk, repeat.id, Mark.SUBMITTED)
    world.clock.now = at("2026-11-14")
    [block] = follow_up(world.desk, world.clock()).block_requests
    assert block.kind is NoticeKind.BLOCK_REQUEST
    approve(world.desk, [block.id])
    send(world.desk, [block.id])
    mark(world.desk, block.id, Mark.SUBMITTED)
    world.clock.now = at("2027-01-05")


@contextmanager
def scripted_world(tmp: Path) -> Iterator[World]:
    """The world above, its database open; the clock left at 5 January 2027."""
    settings = Settings(home=tmp / "home", workers=1, notice_organisation="해치 시민감시단")
    db = open_database(settings)
    clock = Clock(at("2026-09-01"))
    try:
        with db.session() as session:
            PlatformStore(session).save(parse_platforms(DIRECTORY), clock())
            for ref, name in VICTIMS.items():
                data = PersonalData(name=name, contacts=("010-1234-5678",))
                open_case(session, Actor.console(), ref, data, now=clock())
        config = NoticeConfig(organisation="해치 시민감시단", organisation_en="Haechi Watch")
        world = World(db, settings, Desk(db, config, clock), clock, tmp)
        _script(world)
        yield world
    finally:
        db.close()
