"""The demo's flow: a monitoring group's week, in two minutes, on this machine only.

Every step calls the same service functions as the ``haechi`` commands (banks, scan, review,
notices, re-checks, police reports, statistics); the demo only makes the world they act on
(:mod:`haechi.demo.world`): sample photos standing in for a victim's, a folder of altered
re-uploads, a board and a mail server on 127.0.0.1. It acts as the reviewer, and moves its
clock a day forward before the re-check.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from rich.console import Console

from haechi.banks.service import register_files
from haechi.cases import police
from haechi.cases import service as cases
from haechi.demo import show
from haechi.demo.world import (
    A_DAY_LATER,
    BANK,
    CHANGES,
    PHOTOS,
    PLATFORM,
    REVIEWER,
    STATION,
    TAKEN_DOWN,
    UNRELATED,
    DemoError,
    World,
    open_world,
)
from haechi.errors import BankError
from haechi.evidence import verify_bundle
from haechi.notices import drafting, recheck, review, sending, stats
from haechi.notices.model import Decision
from haechi.scan.intake import source_options
from haechi.scan.pipeline import Scanner
from haechi.scan.preserve import EvidenceKeeper
from haechi.settings import Settings
from haechi.sources import open_source
from haechi.store.banks import BankStore
from haechi.store.notices import PlatformStore
from haechi.testkit.photos import registered_photos, unrelated_images
from haechi.testkit.transforms import TRANSFORMS


def registered_before(w: World) -> str | None:
    """The case of the photos an earlier run registered (``--keep``), if any."""
    with w.db.session() as session:
        try:
            entries = list(BankStore(session).entries(BANK))
        except BankError:
            return None
    return next((e.case_ref for e in entries if e.case_ref), None)


def register(w: World) -> None:
    """A case for the victim, and her photos registered as hashes under it."""
    show.step(w.out, 1, "Register the victim's photos", "피해 촬영물 등록")
    w.photos = list(registered_photos())[:PHOTOS]
    earlier = registered_before(w)
    if earlier:
        w.case_ref = earlier
        show.say(w.out, f"kept from an earlier run (--keep): the photos and case {earlier}")
        return
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
    grid = show.folder_grid(w.photos, CHANGES, {v: by_file.get(f) for f, v in truth.items()})
    show.block(w.out, grid)
    show.say(
        w.out,
        "[dim]each cell: the signal that matched (pdq: perceptual hash, orb: "
        "keypoints) and its distance in bits[/]",
    )
    found = sum(1 for f in truth if f in by_file)
    false = sum(1 for f in by_file if f not in truth)
    w.tally.append(f"{found}/{len(truth)} re-uploads found in the folder, {false} false matches")
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
    kept = "WARC, headers" + (", screenshot" if w.settings.evidence_screenshots else "")
    with EvidenceKeeper(w.evidence) as keeper:
        scanner = Scanner(w.db, w.settings, keeper, w.clock)
        report = scanner.scan_source(open_source(seed, "web", options), seed)
    show.block(w.out, show.web_hits(report.hits, report.captures))
    for hit_id, why in report.capture_failures.items():
        show.say(w.out, f"[red]evidence of hit {hit_id} not sealed:[/] {why}")
    show.say(
        w.out,
        f"{len(report.hits)} re-posts found among {report.seen} items; each page and picture was "
        f"captured ({kept}) and sealed in the signed evidence log at once",
    )
    w.tally.append(f"{len(report.hits)} re-posts found on the board, {len(report.captures)} sealed")
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
    if result.failed:
        notice_id, why = result.failed[0]
        raise DemoError(f"notice {notice_id} was not sent: {why}")
    for notice in result.sent:
        deadline = f"{notice.deadline:%Y-%m-%d %H:%M} UTC" if notice.deadline else "none"
        show.say(
            w.out,
            f"notice {notice.id} approved and sent by SMTP to {notice.recipient}; "
            f"deadline {deadline}",
        )
    if not result.sent or not w.mailbox.messages:
        raise DemoError("no notice reached the demo's mail server")
    path, message = w.mailbox.messages[-1]
    show.say(
        w.out,
        "the notice cites each picture's URL, its SHA-256 and the sealed capture, never the "
        "picture itself; as the mail server received it:",
    )
    show.block(w.out, show.message_panel(path, message))
    w.notice_id = result.sent[-1].id
    w.tally.append(f"notice {w.notice_id} sent and received ({path})")


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
    show.block(w.out, show.recheck_table(run.checks))
    still = len(run.checks) - len(run.removed)
    show.say(w.out, f"{len(run.removed)} removal seen, {still} still up")
    w.tally.append(f"{len(run.removed)} removal seen by the re-check, {still} still up")
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
    show.block(w.out, show.files_table(package.files))
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
    verified = "verifies" if verdict.passed else "does NOT verify"
    w.tally.append(f"police package in {package.folder}; its evidence {verified}")
    if not verdict.passed:
        failed = "; ".join(f"{c.name}: {c.detail}" for c in verdict.failures)
        raise DemoError(f"the police package's evidence does not verify: {failed}")


def statistics(w: World) -> None:
    """How fast each platform takes reported content down."""
    show.step(w.out, 8, "Statistics", "통계")
    show.block(w.out, show.stats_table(stats.platform_stats(w.desk)))
    show.say(
        w.out,
        "[dim]median h: hours from the notice to the removal; never: share still up; "
        "re-uploads: found again after removal[/]",
    )
    show.say(w.out, "charts of the same: `haechi stats --charts charts/`")


def run_demo(
    settings: Settings,
    out: Console,
    keep: bool = False,
    serve: bool | None = None,
    port: int = 8000,
) -> None:
    """Run the whole flow in ``<home>/demo``; then, with ``serve`` (default: stdin is a
    terminal), serve the web app over the demo's home on 127.0.0.1 until Ctrl-C, the board and
    the mail server staying up meanwhile."""
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
        out.print("[bold green]Done[/] · 완료")
        for line in w.tally:
            show.say(out, f"• {line}")
        show.say(out, f"look around: `haechi --home {w.home} case show {w.case_ref}`")
        show.say(
            out,
            f"(or `hits`, `notices list`, `notices show {w.notice_id}`, `stats` with that --home)",
        )
        if serve if serve is not None else sys.stdin.isatty():
            from haechi.demo.serving import serve_web

            show.say(out, f"the board ({w.base_url}/board/) and the mail server stay up too")
            serve_web(w, port)
