"""The demo's flow: a monitoring group's week, in two minutes, on this machine only.

Every step calls the same service functions as the ``haechi`` commands (banks, scan, review,
notices, re-checks, police reports, statistics); the demo only makes the world they act on:
sample photos standing in for a victim's, a folder of altered re-uploads, a board on
127.0.0.1 (:mod:`haechi.demo.site`) and a mail server on 127.0.0.1 (:mod:`haechi.demo.mail`).
It acts as the reviewer, and moves its clock a day forward before the re-check.

All state goes to ``<home>/demo``, with its own database, evidence key and platform
directory; the organisation's own settings for mail, signing keys and time-stamping are never
used, so nothing leaves the machine.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console

from haechi.banks.service import register_files
from haechi.cases import police
from haechi.cases import service as cases
from haechi.demo import show
from haechi.demo.mail import Mailbox, mail_server
from haechi.demo.site import REMOVED_TEXT, DemoBoard, Post, serve_board
from haechi.errors import HaechiError
from haechi.evidence import EvidenceConfig, verify_bundle
from haechi.notices import drafting, recheck, review, sending, stats
from haechi.notices.config import NoticeConfig, SmtpConfig, SmtpSecurity
from haechi.notices.desk import Desk
from haechi.notices.model import Decision
from haechi.notices.platforms import Platform
from haechi.scan.intake import source_options
from haechi.scan.pipeline import Scanner
from haechi.scan.preserve import EvidenceKeeper, evidence_config
from haechi.settings import Settings
from haechi.sources import open_source
from haechi.store.database import Database, open_database
from haechi.store.models import utcnow
from haechi.store.notices import PlatformStore
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
PLATFORM = Platform(
    name="demo-board",
    title="데모 게시판 (the demo's board)",
    domains=("127.0.0.1",),
    language="ko",
    email="abuse@demo-board.test",
    legal_basis="「정보통신망 이용촉진 및 정보보호 등에 관한 법률」 제44조의2, "
    "「전기통신사업법」 제22조의5",
    deadline_hours=24,
    removed_markers=(REMOVED_TEXT,),
    notes="The haechi demo's board on 127.0.0.1; exists only in the demo's home.",
)


class DemoError(HaechiError):
    """A step of the demo did not do what it shows; the message says which and why."""


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
    photos: list[str] = field(default_factory=list)


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


def register(w: World) -> None:
    """A case for the victim, and her photos registered as hashes under it."""
    show.step(w.out, 1, "Register the victim's photos", "피해 촬영물 등록")
    w.case_ref = cases.new_case(w.desk).ref
    show.say(w.out, f"case [bold]{w.case_ref}[/] opened: a code, never the victim's name")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, image) in enumerate(list(registered_photos().items())[:PHOTOS], 1):
            original = Path(tmp) / f"original-{n}.png"
            image.save(original)
            [done] = register_files(
                w.db, w.settings, BANK, [original], f"demo photo {n} ({name})", w.case_ref
            )
            if done.entry is None or done.hashes is None or done.hashes.pdq is None:
                raise DemoError(f"registering photo {name} failed: {done.warning}")
            w.photos.append(name)
            rows.append(f"entry {done.entry.id}: {name:<10} PDQ {done.hashes.pdq.hex[:24]}…")
    for row in rows:
        show.say(w.out, row)
    show.say(w.out, f"bank {BANK!r} keeps only these hashes: the photos themselves are deleted")


def scan_folder(w: World) -> None:
    """Altered re-uploads among unrelated pictures in a folder, scanned and matched."""
    show.step(w.out, 2, "Find re-uploads in a folder", "폴더에서 재유포 찾기")
    inbox = w.home / "inbox"
    for n in range(2, 1000):
        if not inbox.exists():
            break
        inbox = w.home / f"inbox-{n}"  # --keep: a fresh folder, so every file is a new sighting
    inbox.mkdir(parents=True)
    photos = dict(list(registered_photos().items())[:PHOTOS])
    truth: dict[str, tuple[str, str]] = {}
    for name, image in photos.items():
        for change in CHANGES:
            file = f"upload-{name}-{change}.jpg"
            TRANSFORMS[change](image).convert("RGB").save(inbox / file, quality=90)
            truth[file] = (name, change)
    for k, item in enumerate(unrelated_images(UNRELATED, seed=7)):
        item.image.convert("RGB").save(inbox / f"other-{k:03d}.jpg", quality=85)
    show.say(
        w.out,
        f"{inbox} stands in for a folder of downloads: {len(truth)} altered copies of the "
        f"photos among {UNRELATED} unrelated pictures",
    )
    report = Scanner(w.db, w.settings, clock=w.clock).scan_folder(inbox)
    by_file = {Path(h.location).name: h for h in report.hits}
    w.out.print(show.folder_grid(w.photos, CHANGES, {v: by_file.get(f) for f, v in truth.items()}))
    found = sum(1 for f in truth if f in by_file)
    false = sum(1 for f in by_file if f not in truth)
    show.say(
        w.out,
        f"scan {report.scan_id}: re-uploads found {found}/{len(truth)}, "
        f"false matches among {UNRELATED} unrelated pictures: {false}",
    )
    if not found:
        raise DemoError(f"the folder scan found none of the re-uploads ({report.failed} failed)")


def scan_site(w: World) -> None:
    """The board is crawled; every hit's page and picture are sealed as evidence at once."""
    show.step(w.out, 3, "Find re-uploads on a website", "웹사이트에서 재유포 찾기")
    seed = f"{w.base_url}/board/"
    show.say(w.out, f"the demo's board runs at {seed}; scanning it and the posts it links to")
    options = source_options(w.settings, ["127.0.0.1"], max_depth=1)
    with EvidenceKeeper(w.evidence) as keeper:
        scanner = Scanner(w.db, w.settings, keeper, w.clock)
        report = scanner.scan_source(open_source(seed, "web", options), seed)
    w.out.print(show.web_hits(report.hits, report.captures))
    for hit_id, why in report.capture_failures.items():
        show.say(w.out, f"[red]evidence of hit {hit_id} not sealed:[/] {why}")
    show.say(
        w.out,
        f"{len(report.hits)} re-posts found among {report.seen} pictures; each page and picture "
        "was captured (WARC, screenshot, headers) and sealed in the signed evidence log",
    )
    if not report.hits:
        raise DemoError(f"the site scan found no re-post ({report.failed} items failed)")


def review_hits(w: World) -> None:
    """A person confirms hits before any notice cites them; here the demo is that person."""
    show.step(w.out, 4, "Review the hits", "검토")
    waiting = review.queue(w.desk, review.HitFilter(bank=BANK))
    web = sum(1 for h in waiting if h.location.startswith("http"))
    show.say(w.out, f"{len(waiting)} hits wait for a person ({web} on the web, the rest files)")
    decided = review.decide_all(
        w.desk,
        review.HitFilter(bank=BANK),
        Decision.CONFIRMED,
        REVIEWER,
        "the demo's own re-uploads of its registered photos",
    )
    show.say(
        w.out,
        f"{REVIEWER!r} compared them with the registered photos and confirmed {len(decided)}; "
        "a real reviewer uses `haechi review list` and `review confirm/reject`",
    )


def send_notice(w: World) -> None:
    """Drafted per platform, approved, sent by e-mail, and received by the mail server."""
    show.step(w.out, 5, "Send a takedown notice", "삭제 요청")
    with w.db.session() as session:
        PlatformStore(session).save([PLATFORM], w.clock())
    show.say(
        w.out,
        f"the demo's platform directory names {PLATFORM.name!r} for host 127.0.0.1, "
        f"notices to {PLATFORM.email} (the demo's mail server takes them)",
    )
    drafted = drafting.draft_notices(w.desk)
    if not drafted.notices:
        raise DemoError("no notice was drafted from the confirmed web hits")
    ids = [n.id for n in drafted.notices]
    for notice in drafted.notices:
        show.say(
            w.out, f"notice {notice.id} drafted to {notice.platform}: {len(notice.items)} hits"
        )
    sending.approve(w.desk, ids, f"approved by {REVIEWER}")
    result = sending.send(w.desk, ids)
    for notice_id, why in result.failed:
        raise DemoError(f"notice {notice_id} was not sent: {why}")
    for notice in result.sent:
        deadline = f"{notice.deadline:%Y-%m-%d %H:%M} UTC" if notice.deadline else "none"
        show.say(
            w.out,
            f"notice {notice.id} approved and sent by SMTP to {notice.recipient}; "
            f"deadline {deadline}",
        )
    if not w.mailbox.messages:
        raise DemoError("the demo's mail server received nothing")
    path, message = w.mailbox.messages[-1]
    show.say(w.out, "the notice, in the platform's language (Korean), cites each picture's URL,")
    show.say(w.out, "its SHA-256 and the sealed capture, never the picture itself:")
    w.out.print(show.message_panel(path, message))


def recheck_a_day_later(w: World) -> None:
    """The board took one post down; a day later the re-check sees it gone."""
    show.step(w.out, 6, "Re-check a day later", "재확인")
    w.board.take_down(TAKEN_DOWN)
    w.clock.offset += A_DAY_LATER
    show.say(
        w.out,
        f"the board removed post {TAKEN_DOWN}; the demo moves its clock "
        f"{A_DAY_LATER.total_seconds() / 3600:.0f} h forward, past the 24 h deadline",
    )
    run = recheck.run_rechecks(w.desk)
    w.out.print(show.recheck_table(run.checks))
    still = len(run.checks) - len(run.removed)
    show.say(w.out, f"{len(run.removed)} removal seen, {still} still up")
    for notice in run.closed:
        show.say(w.out, f"notice {notice.id}: everything removed, closed")
    for notice in run.followups.repeats:
        show.say(
            w.out,
            f"repeat notice {notice.id} drafted for what is still up "
            f"(a person approves it: `haechi notices approve {notice.id}`)",
        )
    for problem in [*run.followups.warnings, *run.evidence_errors]:
        show.say(w.out, f"[yellow]warning:[/] {problem}")
    if len(run.removed) != 1:
        raise DemoError(f"the re-check saw {len(run.removed)} removals, not 1")


def police_package(w: World) -> None:
    """The case's package for the police, and its evidence verified offline."""
    show.step(w.out, 7, "Write the police report package", "수사기관 신고 자료")
    package = police.make_police_report(w.desk, w.case_ref, STATION, w.home / "police")
    show.say(w.out, f"wrote {package.folder} for {STATION}:")
    w.out.print(show.files_table(package.files))
    bundle = package.folder / "evidence.wacz"
    if not bundle.exists():
        raise DemoError("the package has no evidence bundle")
    verdict = verify_bundle(bundle, w.evidence.own_key_ids())
    status = "[green]PASS[/]" if verdict.passed else "[red]FAIL[/]"
    show.say(
        w.out,
        f"evidence.wacz verified offline (`haechi verify`): {status}, {len(verdict.checks)} "
        f"checks; answer expected by {package.report.answer_due:%Y-%m-%d}",
    )
    if not verdict.passed:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in verdict.failures)
        raise DemoError(f"the police package's evidence does not verify: {failed}")


def statistics(w: World) -> None:
    """How fast each platform takes reported content down."""
    show.step(w.out, 8, "Statistics", "통계")
    w.out.print(show.stats_table(stats.platform_stats(w.desk)))
    show.say(w.out, "charts: `haechi stats --charts charts/`")


def run_demo(
    settings: Settings, out: Console, keep: bool = False, wait: bool | None = None
) -> None:
    """Run the whole flow in ``<home>/demo``; with ``wait`` (default: stdin is a terminal),
    keep the board and mail server up until Enter is pressed."""
    with open_world(settings, out, keep) as w:
        out.print(
            f"[bold]haechi demo[/] · 해치 데모: the whole flow on sample photos, on this machine "
            f"only; everything goes to {w.home}"
        )
        register(w)
        scan_folder(w)
        scan_site(w)
        review_hits(w)
        send_notice(w)
        recheck_a_day_later(w)
        police_package(w)
        statistics(w)
        out.print()
        out.print(f"[bold green]Done.[/] Look around with `haechi --home {w.home} ...`:")
        out.print(f"   `case show {w.case_ref}`, `hits`, `notices list`, `notices show 1`, `stats`")
        if wait if wait is not None else sys.stdin.isatty():
            out.print(
                f"The board ({w.base_url}/board/) and the mail server stay up while you look; "
                "press Enter to stop them."
            )
            with suppress(EOFError, KeyboardInterrupt):
                input()
