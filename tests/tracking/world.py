"""A scripted world for the tracking tests, on loopback, on a clock the script moves.

Day 0 09:00 (T0) a board on 127.0.0.1 (platform local-portal, KR) carries item A, and item B
with its file on an image host reached as localhost (local-host, US); a scan finds and
captures both. An hour later a takedown notice for A is sent by SMTP; a day later the re-check
finds A gone. That evening a Telegram channel ("leak room", 777) re-posts A and C; a second
channel ("mirror", 888) forwards both from it. The next day a Discord server (4242, #dump
5151) has A and C again, C forwarded from another channel (6161). Entries: A=1 and B=2 under
case CASE, C=3. Every time comes from the clock or the exports, so everything is exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from haechi.banks.service import register_files
from haechi.cases.service import ensure_case
from haechi.notices import Decision, Desk, approve, decide, draft_notices, run_rechecks, send
from haechi.notices.platforms import parse_platforms
from haechi.scan.intake import source_options
from haechi.scan.model import Hit
from haechi.scan.pipeline import Scanner
from haechi.scan.preserve import EvidenceKeeper, evidence_config
from haechi.settings import Settings
from haechi.sources import open_source
from haechi.store.database import Database, open_database
from haechi.store.notices import PlatformStore
from haechi.testkit.photos import registered_photos
from tests.notices.world import ALLOW, fetch_policy, jpeg, notice_config, smtp_server
from tests.sources.sitekit import Site, serve

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CASE = "CASE-2026-021"
DIRECTORY = """
format = "haechi-platforms/v1"

[[platform]]
name = "local-portal"
title = "Local portal"
domains = ["127.0.0.1"]
country = "KR"
email = "abuse@local-portal.example"
language = "en"
legal_basis = "Terms of service"
deadline_hours = 24

[[platform]]
name = "local-host"
title = "Local image host"
domains = ["localhost"]
country = "US"
email = "abuse@local-host.example"
language = "en"
legal_basis = "Terms of service"

[[platform]]
name = "telegram"
title = "Telegram"
domains = ["t.me"]
country = "AE"
email = "abuse@telegram.example"
language = "en"
legal_basis = "Terms of service"

[[platform]]
name = "discord"
title = "Discord"
domains = ["discord.com"]
country = "US"
email = "abuse@discord.example"
language = "en"
legal_basis = "Terms of service"
"""


class Clock:
    """The script's clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, **delta: float) -> datetime:
        self.now = T0 + timedelta(**delta)
        return self.now


@dataclass
class World:
    db: Database
    settings: Settings
    clock: Clock
    hits: dict[str, int]  # "A-web", "B-web", "A-777", "C-777", "A-888", "C-888", "A-dc", "C-dc"
    notice: int


def _unix(**delta: float) -> str:
    return str(int((T0 + timedelta(**delta)).timestamp()))


def _telegram(root: Path, chat_id: int, name: str, messages: list[dict[str, object]],
              files: dict[str, bytes]) -> Path:  # fmt: skip
    (root / "photos").mkdir(parents=True)
    for file, data in files.items():
        (root / "photos" / file).write_bytes(data)
    doc = {"name": name, "type": "private_channel", "id": chat_id, "messages": messages}
    (root / "result.json").write_text(json.dumps(doc), encoding="utf-8")
    return root


def _scan(db: Database, settings: Settings, clock: Clock, target: str, kind: str) -> list[Hit]:
    evidence = evidence_config(settings, ALLOW)
    source = open_source(target, kind, source_options(settings, ALLOW))
    with EvidenceKeeper(evidence, clock=clock) as keeper:
        report = Scanner(db, settings, keeper, clock=clock).scan_source(source, target)
    assert not report.capture_failures, report.capture_failures
    return report.hits


def _by_entry(found: list[Hit]) -> dict[int, int]:
    """Hit ids by entry (entries: A=1, B=2, C=3)."""
    assert len({h.entry for h in found}) == len(found), found
    return {h.entry: h.id for h in found}


@contextmanager
def scripted_world(tmp: Path) -> Iterator[World]:
    settings = Settings(home=tmp / "home", workers=1, allow_hosts=ALLOW, evidence_screenshots=False)
    with serve() as board, serve() as images, smtp_server() as (_, smtp_port):
        db = open_database(settings)
        try:
            yield _build(tmp, settings, db, board, images, smtp_port)
        finally:
            db.close()


def _build(
    tmp: Path, settings: Settings, db: Database, board: Site, images: Site, smtp_port: int
) -> World:
    photos = registered_photos()
    names = {"A": "chelsea", "B": "coffee", "C": "astronaut"}
    originals = tmp / "originals"
    originals.mkdir()
    for letter, name in names.items():
        photos[name].save(originals / f"{letter}.png")
    ensure_case(db, CASE, T0)
    register_files(
        db, settings, "victims", [originals / "A.png", originals / "B.png"], case_ref=CASE
    )
    register_files(db, settings, "victims", [originals / "C.png"])
    copy = {letter: jpeg(photos[name]) for letter, name in names.items()}
    clock = Clock()
    with db.session() as session:
        PlatformStore(session).save(parse_platforms(DIRECTORY), clock())
    hits: dict[str, int] = {}

    # Day 0: the board and the image host behind it.
    board.image("/img/a.jpg", copy["A"], content_type="image/jpeg")
    board.page("/board/1", '<html><body><img src="/img/a.jpg"></body></html>')
    image_url = images.image("/cdn/b.jpg", copy["B"], content_type="image/jpeg")
    image_url = image_url.replace("127.0.0.1", "localhost")
    board.page("/board/2", f'<html><body><img src="{image_url}"></body></html>')
    urls = tmp / "urls.txt"
    urls.write_text(f"{board.url('/board/1')}\n{board.url('/board/2')}\n", encoding="utf-8")
    web = _by_entry(_scan(db, settings, clock, str(urls), "url-list"))
    hits["A-web"], hits["B-web"] = web[1], web[2]

    desk = Desk(db, notice_config(smtp_port), clock, evidence_config(settings, ALLOW))
    clock.at(hours=1)
    decide(desk, [hits["A-web"]], Decision.CONFIRMED, "reviewer-1")
    [notice] = draft_notices(desk).notices
    approve(desk, [notice.id])
    assert [n.id for n in send(desk).sent] == [notice.id]

    # Day 1: the board took A down; the re-check sees it.
    del board.routes["/img/a.jpg"]
    clock.at(days=1)
    run = run_rechecks(desk, fetch_policy(), everything=True)
    assert [r.hit_id for r in run.removed] == [hits["A-web"]], run.checks

    # Day 1 evening, scanned on day 2: two Telegram channels, one forwarding from the other.
    leak = _telegram(tmp / "tg-777", 777, "leak room", [
        {"id": 1, "type": "message", "date_unixtime": _unix(hours=35), "from": "leak room",
         "from_id": "channel777", "photo": "photos/a.jpg"},
        {"id": 2, "type": "message", "date_unixtime": _unix(hours=36), "from": "leak room",
         "from_id": "channel777", "photo": "photos/c.jpg"},
    ], {"a.jpg": copy["A"], "c.jpg": copy["C"]})  # fmt: skip
    mirror = _telegram(tmp / "tg-888", 888, "mirror", [
        {"id": 5, "type": "message", "date_unixtime": _unix(hours=37), "from": "mirror",
         "from_id": "channel888", "forwarded_from": "leak room", "forwarded_from_id": "channel777",
         "photo": "photos/a.jpg"},
        {"id": 6, "type": "message", "date_unixtime": _unix(hours=38), "from": "mirror",
         "from_id": "channel888", "forwarded_from": "leak room", "forwarded_from_id": "channel777",
         "photo": "photos/c.jpg"},
    ], {"a.jpg": copy["A"], "c.jpg": copy["C"]})  # fmt: skip
    clock.at(days=2)
    for name, export in (("777", leak), ("888", mirror)):
        found = _by_entry(_scan(db, settings, clock, str(export), "telegram-export"))
        hits[f"A-{name}"], hits[f"C-{name}"] = found[1], found[3]

    # Day 2, scanned on day 3: a Discord server, C forwarded there from another channel.
    export = tmp / "discord"
    (export / "files").mkdir(parents=True)
    (export / "files" / "a.jpg").write_bytes(copy["A"])
    (export / "files" / "c.jpg").write_bytes(copy["C"])
    author = {"id": "99", "name": "uploader99"}
    doc = {
        "guild": {"id": "4242", "name": "Dump Server"},
        "channel": {"id": "5151", "name": "dump"},
        "messages": [
            {"id": "900", "timestamp": (T0 + timedelta(hours=49)).isoformat(), "author": author,
             "attachments": [{"url": "files/a.jpg", "fileName": "a.jpg"}]},
            {"id": "901", "timestamp": (T0 + timedelta(hours=50)).isoformat(), "author": author,
             "reference": {"messageId": "1", "channelId": "6161", "guildId": "4242"},
             "attachments": [{"url": "files/c.jpg", "fileName": "c.jpg"}]},
        ],
    }  # fmt: skip
    (export / "dump.json").write_text(json.dumps(doc), encoding="utf-8")
    clock.at(days=3)
    found = _by_entry(_scan(db, settings, clock, str(export / "dump.json"), "discord-export"))
    hits["A-dc"], hits["C-dc"] = found[1], found[3]
    return World(db, settings, clock, hits, notice.id)
