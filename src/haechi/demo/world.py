"""The world the demo acts on, and what its steps share.

The demo's home is ``<home>/demo`` with its own database, evidence key and platform
directory; the organisation's own settings for mail, signing keys and time-stamping are
replaced, so nothing the demo does reaches a real platform, key or server. Its board
(:mod:`haechi.demo.site`) and mail server (:mod:`haechi.demo.mail`) run on 127.0.0.1 while
the demo runs; its clock can be moved forward to show what a day later brings.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console

from haechi.demo.mail import Mailbox, mail_server
from haechi.demo.site import REMOVED_TEXT, DemoBoard, Post, serve_board
from haechi.errors import HaechiError
from haechi.evidence import EvidenceConfig
from haechi.notices.config import NoticeConfig, SmtpConfig, SmtpSecurity
from haechi.notices.desk import Desk
from haechi.notices.platforms import platform_from
from haechi.scan.preserve import evidence_config
from haechi.settings import Settings
from haechi.store.database import Database, open_database
from haechi.store.models import utcnow
from haechi.testkit.photos import registered_photos, unrelated_images
from haechi.testkit.transforms import TRANSFORMS

BANK = "demo-victims"
PHOTOS = 4
CHANGES = (
    "resize-50",
    "jpeg-30",
    "crop-5",
    "border",
    "letterbox-16x9",
    "flip",
    "rotate-90",
    "grayscale",
    "watermark",
    "screenshot",
)
UNRELATED = 60
REVIEWER = "demo-reviewer"
ORGANISATION = "해치 데모 지원센터"  # "haechi demo support centre"
SENDER = "takedown@haechi-demo.test"
STATION = "서울마포경찰서 (Seoul Mapo police station, demo)"
TAKEN_DOWN = 2  # the post the board removes after the notice
A_DAY_LATER = timedelta(hours=25)  # past the platform's 24-hour deadline
# The demo's directory entry, checked like an entry of an imported directory file: hits on the
# board (host 127.0.0.1) belong to it, and its notices go to the demo's mail server.
PLATFORM = platform_from(
    {
        "name": "demo-board",
        "title": "데모 게시판 (the demo's board)",
        "domains": ["127.0.0.1"],
        "language": "ko",
        "email": "abuse@demo-board.test",
        "legal_basis": "「정보통신망 이용촉진 및 정보보호 등에 관한 법률」 제44조의2, "
        "「전기통신사업법」 제22조의5",
        "deadline_hours": 24,
        "removed_markers": [REMOVED_TEXT],
        "notes": "The haechi demo's board on 127.0.0.1; exists only in the demo's home.",
    },
    "the demo platform",
)


class DemoError(HaechiError):
    """A step of the demo did not do what it shows; the message says which and why."""


MARKER = "DEMO"  # the file that makes a home a demo home (its web server signs in by link)


def mark_demo_home(home: Path) -> None:
    """Mark ``home`` as the demo's; only the demo writes this file."""
    (home / MARKER).write_text("a haechi demo home: nothing here is real\n", encoding="utf-8")


def is_demo_home(home: Path) -> bool:
    """Whether ``home`` is a demo home."""
    return (home / MARKER).is_file()


@dataclass
class DemoClock:
    """The current time, moved forward on purpose to show what a day later brings."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@dataclass
class World:
    """What the steps share: the demo's home, database, desk, board and mailbox."""

    home: Path
    settings: Settings
    db: Database
    desk: Desk
    evidence: EvidenceConfig
    clock: DemoClock
    board: DemoBoard
    base_url: str
    mailbox: Mailbox
    out: Console
    case_ref: str = ""
    notice_id: int | None = None
    photos: list[str] = field(default_factory=list)
    tally: list[str] = field(default_factory=list)  # one line per step, for the summary


def demo_settings(settings: Settings, home: Path) -> Settings:
    """The user's settings with everything the demo must not touch replaced."""
    return settings.model_copy(
        update={
            "home": home,
            "database_url": None,
            "evidence_key_file": None,
            "evidence_tsa_url": None,
            "evidence_origin": "haechi-demo",
        }
    )


def notice_config(settings: Settings, smtp_port: int) -> NoticeConfig:
    """Notices from the demo organisation through the demo's mail server, never the real one."""
    return NoticeConfig(
        organisation=ORGANISATION,
        from_address=SENDER,
        smtp=SmtpConfig(host="127.0.0.1", port=smtp_port, security=SmtpSecurity.NONE),
        allow_hosts=("127.0.0.1",),
        pdq_radius=settings.pdq_radius,
    )


def board_posts() -> list[Post]:
    """Two posts re-post registered photos (altered), one shows an unrelated picture."""
    photos = list(registered_photos().values())
    unrelated = next(iter(unrelated_images(1, seed=99))).image
    return [
        Post("새 자료 (new upload)", TRANSFORMS["resize-50"](photos[0])),
        Post("ㅋㅋ 이거 봐 (look at this)", TRANSFORMS["watermark"](photos[1])),
        Post("고양이 (a cat)", unrelated),
    ]


@contextmanager
def open_world(settings: Settings, out: Console, keep: bool) -> Iterator[World]:
    """The demo's home, board and mail server, all gone (but the home) when the block ends."""
    home = settings.home / "demo"
    if home.exists() and not keep:
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    mark_demo_home(home)
    settings = demo_settings(settings, home)
    board = DemoBoard(board_posts())
    with ExitStack() as stack:
        base_url = stack.enter_context(serve_board(board))
        mailbox, port = stack.enter_context(mail_server(home / "mailbox"))
        db = open_database(settings)
        stack.callback(db.close)
        clock = DemoClock()
        evidence = evidence_config(settings, ["127.0.0.1"])
        desk = Desk(db, notice_config(settings, port), clock, evidence)
        yield World(home, settings, db, desk, evidence, clock, board, base_url, mailbox, out)
