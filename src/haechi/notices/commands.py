"""The commands of acting on hits, ready for Typer: ``case``, ``review``, ``notices``,
``platforms``, ``report``, ``recheck`` and ``stats``.

The main ``haechi`` app owns settings, so these read a :class:`CommandEnv` (settings, notice
config, clock) from a callable it provides, when a command runs::

    mount(app, lambda: CommandEnv.from_settings(state.settings))

Each command opens the home's database, builds a :class:`~haechi.notices.desk.Desk` and calls
a plain function of :mod:`haechi.notices` or :mod:`haechi.cases`, so other code and tests can
call those directly. Listing commands take ``--json`` and print one JSON object per line with
stable keys. Errors are :class:`~haechi.errors.HaechiError`, turned here into a message on
stderr and the error's exit code, like the rest of the CLI.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from haechi.cases import police as police_reports
from haechi.cases import service as cases
from haechi.cases.model import MemberKind
from haechi.errors import HaechiError
from haechi.notices import drafting, recheck, review, sending, stats
from haechi.notices.channels import NoticeChannel
from haechi.notices.charts import write_charts
from haechi.notices.config import NoticeConfig
from haechi.notices.desk import Desk
from haechi.notices.errors import ReviewError
from haechi.notices.model import Channel, Decision, Notice, NoticeKind, NoticeStatus
from haechi.notices.platforms import (
    dump_platforms,
    guess_platform_format,
    parse_platforms,
    starter_platforms,
)
from haechi.scan.preserve import evidence_config
from haechi.settings import Settings
from haechi.sources import FetchPolicy
from haechi.store.cases import CaseStore
from haechi.store.database import open_database
from haechi.store.models import utcnow
from haechi.store.notices import NoticeStore, PlatformStore

F = TypeVar("F", bound=Callable[..., Any])

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]


@dataclass(frozen=True)
class CommandEnv:
    """What the commands need from the main app: settings, notice config and a clock."""

    settings: Settings
    config: NoticeConfig
    clock: Callable[[], datetime] = utcnow
    fetch_policy: FetchPolicy | None = None  # re-checks; default: allow-list from settings
    channels: Mapping[Channel, NoticeChannel] | None = None  # default: e-mail and web form

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Callable[[], datetime] = utcnow
    ) -> CommandEnv:
        """The environment of one invocation, from the app's settings."""
        return cls(settings, NoticeConfig.from_settings(settings), clock)


def _guard(fn: F) -> F:
    """Turn a :class:`HaechiError` into a message and its exit code."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except HaechiError as exc:
            err.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(exc.exit_code) from None

    return run  # type: ignore[return-value]


@contextmanager
def open_desk(env: CommandEnv) -> Iterator[Desk]:
    """A desk over the home's database (migrated), closed afterwards."""
    db = open_database(env.settings)
    try:
        yield Desk(db, env.config, env.clock, evidence_config(env.settings), env.channels)
    finally:
        db.close()


def _json(obj: Mapping[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _time(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


def _notice_table(notices: Sequence[Notice], now: datetime) -> Table:
    table = Table("notice", "platform", "kind", "status", "items", "sent", "deadline", box=None)
    for n in notices:
        late = " [red]overdue[/]" if n.overdue(now) else ""
        table.add_row(
            str(n.id),
            n.platform,
            n.kind.value,
            n.status.value + late,
            f"{len(n.items) - len(n.open_items)}/{len(n.items)} gone",
            _time(n.sent_at),
            _time(n.deadline),
        )
    return table


# -- case --------------------------------------------------------------------------------


def case_app(env: Callable[[], CommandEnv]) -> typer.Typer:
    """``haechi case``: open cases, add to them, show them."""
    app = typer.Typer(help="Cases under pseudonymous references.", no_args_is_help=True)

    @app.command("new")
    @_guard
    def new(
        ref: Annotated[
            str | None, typer.Option(help="A code of your own (never a name); default: made.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Open a case."""
        with open_desk(env()) as desk:
            case = cases.new_case(desk, ref)
        if as_json:
            _json(case.as_json())
        else:
            out.print(f"case {case.ref} opened")

    @app.command("add")
    @_guard
    def add(
        ref: Annotated[str, typer.Argument(help="The case reference.")],
        entry: Annotated[list[int] | None, typer.Option(help="Bank entry id.")] = None,
        hit: Annotated[list[int] | None, typer.Option(help="Hit id.")] = None,
        capture: Annotated[list[str] | None, typer.Option(help="Capture id.")] = None,
    ) -> None:
        """Add bank entries, hits or captures to a case."""
        given = {
            MemberKind.ENTRY: [str(e) for e in entry or ()],
            MemberKind.HIT: [str(h) for h in hit or ()],
            MemberKind.CAPTURE: list(capture or ()),
        }
        if not any(given.values()):
            raise typer.BadParameter("give --entry, --hit or --capture")
        with open_desk(env()) as desk:
            for kind, keys in given.items():
                if keys:
                    added = cases.add_to_case(desk, ref, kind, keys)
                    out.print(f"{added} {kind.value}(s) added to {ref}")

    @app.command("show")
    @_guard
    def show(ref: str, as_json: JsonOpt = False) -> None:
        """Show what a case holds: entries, hits, captures, notices, police reports."""
        with open_desk(env()) as desk:
            view = cases.show_case(desk, ref)
        if as_json:
            _json(view.as_json())
            return
        out.print(f"case {view.case.ref}, opened {_time(view.case.created_at)}")
        out.print(f"entries: {', '.join(str(e.id) for e in view.entries) or 'none'}")
        table = Table("hit", "where", "review", "found", box=None)
        for h in view.hits:
            decision = view.decisions.get(h.id)
            table.add_row(
                str(h.id), h.location, decision.value if decision else "pending", _time(h.found_at)
            )
        out.print(table)
        out.print(f"captures: {', '.join(c.id for c in view.captures) or 'none'}")
        if view.notices:
            out.print(_notice_table(view.notices, env().clock()))
        for r in view.reports:
            state = f"answered {_time(r.answered_at)}" if r.answered_at else "waiting"
            out.print(f"police report {r.id} to {r.station}, {_time(r.made_at)}: {state}")

    @app.command("list")
    @_guard
    def list_cases(as_json: JsonOpt = False) -> None:
        """Every case."""
        with open_desk(env()) as desk, desk.db.session() as session:
            found = CaseStore(session).all()
        for case in found:
            if as_json:
                _json(case.as_json())
            else:
                out.print(f"{case.ref}  opened {_time(case.created_at)}")

    return app


# -- review ------------------------------------------------------------------------------

BankOpt = Annotated[str | None, typer.Option(help="Only hits on this bank's entries.")]
ScanOpt = Annotated[int | None, typer.Option("--scan", help="Only this scan's hits.")]
PlatformOpt = Annotated[str | None, typer.Option(help="Only hits on this platform.")]
DistanceOpt = Annotated[int | None, typer.Option(help="Only hits at most this distance.")]
ReviewerOpt = Annotated[str, typer.Option(help="Who decided (recorded with the decision).")]


def _decide(
    env: Callable[[], CommandEnv],
    decision: Decision,
    hit_ids: list[int] | None,
    all_: bool,
    filters: review.HitFilter,
    reviewer: str,
    reason: str,
) -> None:
    if bool(hit_ids) == all_:
        raise ReviewError("give hit ids, or --all with filters (not both)")
    with open_desk(env()) as desk:
        if all_:
            done = review.decide_all(desk, filters, decision, reviewer, reason)
        else:
            done = review.decide(desk, hit_ids or [], decision, reviewer, reason)
    out.print(f"{len(done)} hit(s) {decision.value}")


def review_app(env: Callable[[], CommandEnv]) -> typer.Typer:
    """``haechi review``: the queue of hits waiting for a person."""
    app = typer.Typer(help="Review hits before any notice cites them.", no_args_is_help=True)

    @app.command("list")
    @_guard
    def list_hits(
        status: Annotated[str, typer.Option(help="pending, confirmed or rejected.")] = "pending",
        bank: BankOpt = None,
        scan_id: ScanOpt = None,
        platform: PlatformOpt = None,
        max_distance: DistanceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Hits waiting for review (or already decided), oldest first."""
        decision = None if status == "pending" else Decision(status)
        filters = review.HitFilter(bank, scan_id, platform, max_distance)
        with open_desk(env()) as desk:
            hits = review.queue(desk, filters, decision)
        if as_json:
            for h in hits:
                _json({**h.as_json(), "review": status})
            return
        table = Table(
            "hit", "where", "page", "bank", "entry", "signal", "distance", "evidence", box=None
        )
        for h in hits:
            table.add_row(
                str(h.id),
                h.location,
                h.found_in or "",
                h.bank,
                str(h.entry),
                h.signal_kind,
                str(h.distance),
                h.evidence_text(),
            )
        out.print(table)
        out.print(f"{len(hits)} hit(s) {status}")

    def decision_command(decision: Decision, doc: str) -> Callable[..., None]:
        def decide(
            hit_ids: Annotated[list[int] | None, typer.Argument(help="Hit ids.")] = None,
            reviewer: ReviewerOpt = "",
            all_: Annotated[
                bool, typer.Option("--all", help="Every pending hit the filters match.")
            ] = False,
            bank: BankOpt = None,
            scan_id: ScanOpt = None,
            platform: PlatformOpt = None,
            max_distance: DistanceOpt = None,
            reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
        ) -> None:
            filters = review.HitFilter(bank, scan_id, platform, max_distance)
            _decide(env, decision, hit_ids, all_, filters, reviewer, reason)

        decide.__doc__ = doc
        return _guard(decide)

    confirmed = "Confirm hits: the picture is the registered one, notices may cite it."
    rejected = "Reject hits: not the registered picture; no notice will cite them."
    app.command("confirm")(decision_command(Decision.CONFIRMED, confirmed))
    app.command("reject")(decision_command(Decision.REJECTED, rejected))

    return app


# -- notices -----------------------------------------------------------------------------


def notices_app(env: Callable[[], CommandEnv]) -> typer.Typer:
    """``haechi notices``: draft, approve, send, mark, list and show notices."""
    app = typer.Typer(help="Takedown notices to platforms and regulators.", no_args_is_help=True)

    @app.command("draft")
    @_guard
    def draft(
        platform: PlatformOpt = None,
        hit: Annotated[list[int] | None, typer.Option(help="Only these confirmed hits.")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Draft one notice per platform from confirmed hits not yet in a notice."""
        with open_desk(env()) as desk:
            result = drafting.draft_notices(desk, platform, hit)
        for n in result.notices:
            if as_json:
                _json(n.as_json())
            else:
                out.print(f"drafted notice {n.id} to {n.platform} ({len(n.items)} items)")
        for h in result.unassigned:
            err.print(
                f"[yellow]hit {h.id} ({h.location}) is on no known platform:[/] add its "
                "domain to the directory (`haechi platforms export`, edit, import)"
            )
        if not result.notices and not as_json:
            out.print("nothing to draft: confirm hits first (`haechi review confirm`)")

    @app.command("approve")
    @_guard
    def approve(
        notice_ids: Annotated[list[int], typer.Argument(help="Notice ids.")],
        note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    ) -> None:
        """Approve drafts; their text is fixed from now on."""
        with open_desk(env()) as desk:
            done = sending.approve(desk, notice_ids, note)
        for n in done:
            out.print(f"notice {n.id} approved")

    @app.command("send")
    @_guard
    def send(
        notice_ids: Annotated[
            list[int] | None, typer.Argument(help="Notice ids; default: every approved one.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Send approved notices by e-mail; web-form notices are shown to paste."""
        with open_desk(env()) as desk:
            result = sending.send(desk, notice_ids)
        for n in result.sent:
            if as_json:
                _json(n.as_json())
            else:
                out.print(f"notice {n.id} sent to {n.recipient}; deadline {_time(n.deadline)}")
        for n in result.manual:
            if as_json:
                _json({**n.as_json(with_text=True), "action": "submit-web-form"})
                continue
            out.print(f"notice {n.id}: submit through {n.recipient}, then mark it submitted:")
            out.print(n.body, markup=False)
        for notice_id, why in result.failed:
            err.print(f"[red]notice {notice_id} not sent:[/] {why}")
        for problem in result.evidence_errors:
            err.print(f"[yellow]evidence log:[/] {problem}")
        if result.failed:
            raise typer.Exit(1)

    @app.command("mark")
    @_guard
    def mark(
        notice_id: int,
        what: Annotated[
            sending.Mark,
            typer.Argument(help="submitted, acknowledged, removed, refused or no-answer."),
        ],
        note: Annotated[str | None, typer.Option(help="What the platform said.")] = None,
    ) -> None:
        """Record what happened to a notice."""
        with open_desk(env()) as desk:
            notice, problems = sending.mark(desk, notice_id, what, note)
        out.print(f"notice {notice.id} is {notice.status.value}")
        for problem in problems:
            err.print(f"[yellow]evidence log:[/] {problem}")

    @app.command("discard")
    @_guard
    def discard(
        notice_id: int,
        note: Annotated[str | None, typer.Option(help="Why.")] = None,
    ) -> None:
        """Drop a notice that has not gone out."""
        with open_desk(env()) as desk:
            notice = sending.discard(desk, notice_id, note)
        out.print(f"notice {notice.id} discarded")

    @app.command("list")
    @_guard
    def list_notices(
        status: Annotated[list[NoticeStatus] | None, typer.Option(help="Only this status.")] = None,
        platform: PlatformOpt = None,
        kind: Annotated[list[NoticeKind] | None, typer.Option(help="Only this kind.")] = None,
        overdue: Annotated[
            bool, typer.Option(help="Only notices past their deadline with items still up.")
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Notices, filtered."""
        e = env()
        with open_desk(e) as desk, desk.db.session() as session:
            found = NoticeStore(session).find(status or None, platform, kind or None)
        now = e.clock()
        if overdue:
            found = [n for n in found if n.overdue(now)]
        if as_json:
            for n in found:
                _json({**n.as_json(), "overdue": n.overdue(now)})
            return
        out.print(_notice_table(found, now))

    @app.command("show")
    @_guard
    def show(
        notice_id: int,
        text: Annotated[bool, typer.Option("--text", help="Print only the text to paste.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """One notice: its text, items and history."""
        with open_desk(env()) as desk, desk.db.session() as session:
            notice = NoticeStore(session).get(notice_id)
        if as_json:
            _json(
                {
                    **notice.as_json(with_text=True),
                    "events": [
                        {"status": e.status.value, "at": e.at.isoformat(), "note": e.note}
                        for e in notice.events
                    ],
                }
            )
            return
        if text:
            sys.stdout.write(notice.body)
            return
        out.print(
            f"notice {notice.id} to {notice.platform} ({notice.recipient}), {notice.kind.value}, "
            f"{notice.status.value}; text sha256 {notice.text_sha256}"
        )
        for event in notice.events:
            out.print(f"  {_time(event.at)}  {event.status.value}  {event.note or ''}")
        out.print("")
        out.print(notice.text, markup=False)

    return app


# -- platforms ---------------------------------------------------------------------------


def platforms_app(env: Callable[[], CommandEnv]) -> typer.Typer:
    """``haechi platforms``: the directory of platforms and regulators."""
    app = typer.Typer(help="The platform directory.", no_args_is_help=True)

    @app.command("list")
    @_guard
    def list_platforms(as_json: JsonOpt = False) -> None:
        """Every platform and regulator."""
        with open_desk(env()) as desk, desk.db.session() as session:
            found = PlatformStore(session).all()
        if as_json:
            for p in found:
                _json(p.as_json())
            return
        table = Table("platform", "kind", "domains", "contact", "lang", "deadline", box=None)
        for p in found:
            flag = " [yellow](placeholder)[/]" if p.placeholder else ""
            table.add_row(
                p.name + flag,
                p.kind.value,
                ", ".join(p.domains),
                p.contact,
                p.language,
                f"{p.deadline_hours or ''}h" if p.deadline_hours else "default",
            )
        out.print(table)
        if not found:
            out.print("no platforms yet: `haechi platforms import --starter` to begin")

    @app.command("import")
    @_guard
    def import_platforms(
        file: Annotated[Path | None, typer.Argument(help="A TOML or JSON directory file.")] = None,
        starter: Annotated[
            bool, typer.Option(help="Import the bundled starter list (placeholders).")
        ] = False,
        fmt: Annotated[str | None, typer.Option("--format", help="toml or json.")] = None,
    ) -> None:
        """Add or update platforms from a directory file (by name)."""
        if (file is None) == (not starter):
            raise typer.BadParameter("give a FILE or --starter")
        if file is not None:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                err.print(f"[bold red]error:[/] cannot read {file}: {exc}")
                raise typer.Exit(1) from None
            platforms = parse_platforms(text, fmt or guess_platform_format(file.name))
        else:
            platforms = starter_platforms()
        e = env()
        with open_desk(e) as desk, desk.db.session() as session:
            added, updated = PlatformStore(session).save(platforms, e.clock())
        out.print(f"{added} platform(s) added, {updated} updated")
        placeholders = [p.name for p in platforms if p.placeholder]
        if placeholders:
            err.print(
                f"[yellow]placeholders (nothing is sent to them until edited):[/] "
                f"{', '.join(placeholders)}"
            )

    @app.command("export")
    @_guard
    def export_platforms(
        out_file: Annotated[
            Path | None, typer.Option("--out", "-o", help="Default: stdout.")
        ] = None,
        fmt: Annotated[str | None, typer.Option("--format", help="toml or json.")] = None,
    ) -> None:
        """Write the directory as a file to edit and import again."""
        chosen = fmt or (guess_platform_format(out_file.name) if out_file else "toml")
        with open_desk(env()) as desk, desk.db.session() as session:
            text = dump_platforms(PlatformStore(session).all(), chosen)
        if out_file is None or str(out_file) == "-":
            sys.stdout.write(text)
        else:
            out_file.write_text(text, encoding="utf-8")
            err.print(f"wrote {out_file}")

    return app


# -- report ------------------------------------------------------------------------------


def report_app(env: Callable[[], CommandEnv]) -> typer.Typer:
    """``haechi report``: police report packages and the wait for answers."""
    app = typer.Typer(help="Police report packages and their answers.", no_args_is_help=True)

    @app.command("make")
    @_guard
    def make(
        ref: Annotated[str, typer.Argument(help="The case reference.")],
        station: Annotated[str, typer.Option(help="The police station it goes to.")],
        out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path(
            "."
        ),
        as_json: JsonOpt = False,
    ) -> None:
        """Write a case's package: report.pdf, evidence.wacz, hits.json, SHA256SUMS."""
        with open_desk(env()) as desk:
            package = police_reports.make_police_report(desk, ref, station, out_dir)
        if as_json:
            _json({**package.report.as_json(), "files": package.files})
            return
        out.print(f"wrote {package.folder}")
        for name, digest in package.files.items():
            out.print(f"  {name}  sha256 {digest}")
        out.print(
            f"answer expected by {_time(package.report.answer_due)} (report {package.report.id})"
        )

    @app.command("list")
    @_guard
    def list_reports(
        waiting: Annotated[bool, typer.Option(help="Only reports without an answer.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Police reports with their answer or the next reminder."""
        with open_desk(env()) as desk, desk.db.session() as session:
            found = CaseStore(session).reports(waiting_only=waiting)
        for r in found:
            if as_json:
                _json(r.as_json())
            else:
                state = (
                    f"answered {_time(r.answered_at)}: {r.answer}"
                    if r.answered_at
                    else f"waiting; next reminder {_time(r.next_reminder)}"
                )
                out.print(f"report {r.id}  case {r.case_ref}  {r.station}  {state}")

    @app.command("reminders")
    @_guard
    def reminders(as_json: JsonOpt = False) -> None:
        """Reports whose reminder is due: show them and note that the group was reminded."""
        with open_desk(env()) as desk:
            due = police_reports.remind(desk)
        for r in due:
            if as_json:
                _json(r.as_json())
            else:
                out.print(
                    f"[bold]remind:[/] report {r.id} (case {r.case_ref}) to {r.station}, made "
                    f"{_time(r.made_at)}, answer was due {_time(r.answer_due)}"
                )
        if not due and not as_json:
            out.print("no reminder is due")

    @app.command("answered")
    @_guard
    def answered(
        report_id: int,
        answer: Annotated[str, typer.Option(help="What the station answered.")],
    ) -> None:
        """Record a station's answer; its reminders stop."""
        with open_desk(env()) as desk:
            report = police_reports.record_answer(desk, report_id, answer)
        out.print(f"report {report.id} answered {_time(report.answered_at)}")

    return app


# -- recheck, stats ----------------------------------------------------------------------


def recheck_command(env: Callable[[], CommandEnv]) -> Callable[..., None]:
    """``haechi recheck``: re-fetch every reported URL that is due."""

    @_guard
    def recheck_cmd(as_json: JsonOpt = False) -> None:
        """Re-check reported URLs that are due; mark what is gone, draft follow-ups."""
        e = env()
        with open_desk(e) as desk:
            run = recheck.run_rechecks(desk, e.fetch_policy)
        for check in run.checks:
            if as_json:
                _json(check.as_json())
            else:
                out.print(f"hit {check.hit_id}: {check.outcome.value} ({check.detail})")
        follow = run.followups
        if not as_json:
            for n in run.closed:
                out.print(f"notice {n.id} to {n.platform}: everything removed")
            for n in follow.repeats:
                out.print(f"drafted repeat notice {n.id} to {n.platform} (approve it to send)")
            for n in follow.block_requests:
                out.print(f"drafted block request {n.id} to {n.platform} (approve it to send)")
            if not run.checks:
                out.print("no re-check is due")
        else:
            for n in [*follow.repeats, *follow.block_requests]:
                _json({**n.as_json(), "action": "drafted"})
        for warning in [*follow.warnings, *run.evidence_errors]:
            err.print(f"[yellow]warning:[/] {warning}")

    recheck_cmd.__name__ = "recheck"
    return recheck_cmd


def stats_command(env: Callable[[], CommandEnv]) -> Callable[..., None]:
    """``haechi stats``: response statistics per platform, printed and charted."""

    @_guard
    def stats_cmd(
        charts: Annotated[
            Path | None, typer.Option(help="Also write notice-stats.png/.svg into this folder.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Per platform: notices sent, hours to removal (median, p90), never removed, re-uploads."""
        with open_desk(env()) as desk:
            figures = stats.platform_stats(desk)
        if as_json:
            for s in figures:
                _json(s.as_json())
        else:
            table = Table(
                "platform",
                "sent",
                "items",
                "removed",
                "median h",
                "p90 h",
                "never",
                "re-uploads",
                box=None,
            )
            for s in figures:
                share = s.never_removed_share
                table.add_row(
                    s.platform,
                    str(s.notices_sent),
                    str(s.items_reported),
                    str(s.items_removed),
                    f"{s.median_hours:.1f}" if s.median_hours is not None else "-",
                    f"{s.p90_hours:.1f}" if s.p90_hours is not None else "-",
                    f"{share:.0%}" if share is not None else "-",
                    str(s.reuploads),
                )
            out.print(table)
        if charts is not None:
            for path in write_charts(figures, charts):
                err.print(f"wrote {path}")

    stats_cmd.__name__ = "stats"
    return stats_cmd


def mount(app: typer.Typer, env: Callable[[], CommandEnv]) -> None:
    """Add every command of this module to the main app."""
    app.add_typer(case_app(env), name="case")
    app.add_typer(review_app(env), name="review")
    app.add_typer(notices_app(env), name="notices")
    app.add_typer(platforms_app(env), name="platforms")
    app.add_typer(report_app(env), name="report")
    app.command("recheck")(recheck_command(env))
    app.command("stats")(stats_command(env))
