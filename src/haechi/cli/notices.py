"""``haechi notices``: draft, approve, send, mark, list and show takedown notices."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer
from rich.table import Table

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    guard,
    open_desk,
    print_json,
    time_text,
)
from haechi.cli.common import soft_err as err
from haechi.cli.common import soft_out as out
from haechi.errors import ConfigError

if TYPE_CHECKING:
    from haechi.notices.model import Notice


# The values of haechi.notices' Mark, NoticeStatus and NoticeKind, spelled out so that help
# needs no import of the notices package; tests/cli/test_startup.py checks that they agree.
class MarkChoice(StrEnum):
    """What ``notices mark`` records."""

    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    NO_ANSWER = "no-answer"


class StatusChoice(StrEnum):
    """A notice status to filter on."""

    DRAFTED = "drafted"
    APPROVED = "approved"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    NO_ANSWER = "no-answer"
    DISCARDED = "discarded"


class KindChoice(StrEnum):
    """A notice kind to filter on."""

    TAKEDOWN = "takedown"
    REPEAT = "repeat"
    BLOCK_REQUEST = "block-request"


PlatformOpt = Annotated[str | None, typer.Option(help="Only hits on this platform.")]


def unknown_hosts(locations: Iterable[str]) -> list[str]:
    """``t.me (2), x.example``: the hosts of hits no platform claims, counted, in order."""
    counts: Counter[str] = Counter(urlsplit(loc).hostname or loc for loc in locations)
    return [host if n == 1 else f"{host} ({n})" for host, n in counts.items()]


def notice_table(notices: Sequence[Notice], now: datetime) -> Table:
    """Notices with their state, what is gone and their deadline."""
    table = Table("notice", "platform", "kind", "status", "items", "sent", "deadline", box=None)
    for n in notices:
        late = " [red]overdue[/]" if n.overdue(now) else ""
        table.add_row(
            str(n.id),
            n.platform,
            n.kind.label(),
            n.status.label() + late,
            f"{len(n.items) - len(n.open_items)}/{len(n.items)} gone",
            time_text(n.sent_at),
            time_text(n.deadline),
        )
    return table


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi notices`` to ``app``."""
    notices_app = command_group("Takedown notices to platforms and regulators.")
    app.add_typer(notices_app, name="notices")

    @notices_app.command("draft")
    @guard
    def draft(
        platform: PlatformOpt = None,
        hit: Annotated[list[int] | None, typer.Option(help="Only these confirmed hits.")] = None,
        route: Annotated[
            bool,
            typer.Option(
                "--route",
                help="Send hits on sites with no platform entry to their host's abuse desk, "
                "found by `haechi route` (asks the registries).",
            ),
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Draft one notice per platform from confirmed hits not yet in a notice."""
        from contextlib import nullcontext

        from haechi.notices import drafting
        from haechi.routing import open_router

        e = env()
        with (
            open_desk(e) as desk,
            (
                open_router(desk.db, desk.clock, e.config.country) if route else nullcontext()
            ) as router,
        ):
            result = drafting.draft_notices(desk, platform, hit, router)
        for n in result.notices:
            if as_json:
                print_json(n.as_json())
            else:
                out.print(f"drafted notice {n.id} to {n.platform} ({len(n.items)} items)")
        if result.unassigned:
            err.print(
                f"[yellow]{len(result.unassigned)} confirmed hit(s) on no known platform:[/] "
                f"{', '.join(unknown_hosts(h.location for h in result.unassigned))}; add each "
                "with `haechi platforms add NAME --domain DOMAIN --email ADDRESS`"
            )
        if not result.notices and not as_json:
            out.print("nothing to draft: confirm hits first (`haechi review confirm`)")

    @notices_app.command("approve")
    @guard
    def approve(
        notice_ids: Annotated[list[int], typer.Argument(help="Notice ids.")],
        note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    ) -> None:
        """Approve drafts; their text is fixed from now on."""
        from haechi.notices import sending

        with open_desk(env()) as desk:
            done = sending.approve(desk, notice_ids, note)
        for n in done:
            out.print(f"notice {n.id} approved")

    @notices_app.command("send")
    @guard
    def send(
        notice_ids: Annotated[
            list[int] | None, typer.Argument(help="Notice ids; default: every approved one.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Send approved notices by e-mail; web-form notices are shown to paste."""
        from haechi.notices import sending

        with open_desk(env()) as desk:
            result = sending.send(desk, notice_ids)
        for n in result.sent:
            if as_json:
                print_json(n.as_json())
            else:
                out.print(f"notice {n.id} sent to {n.recipient}; deadline {time_text(n.deadline)}")
        for n in result.manual:
            if as_json:
                print_json({**n.as_json(with_text=True), "action": "submit-web-form"})
                continue
            out.print(f"notice {n.id}: submit through {n.recipient}, then mark it submitted:")
            out.print(n.body, markup=False)
        for notice_id, why in result.failed:
            err.print(f"[red]notice {notice_id} not sent:[/] {why}")
        for problem in result.evidence_errors:
            err.print(f"[yellow]evidence log:[/] {problem}")
        if result.failed:
            raise typer.Exit(1)

    @notices_app.command("mark")
    @guard
    def mark(
        notice_id: int,
        what: Annotated[
            MarkChoice,
            typer.Argument(help="submitted, acknowledged, removed, refused or no-answer."),
        ],
        note: Annotated[str | None, typer.Option(help="What the platform said.")] = None,
    ) -> None:
        """Record what happened to a notice."""
        from haechi.notices import sending

        with open_desk(env()) as desk:
            notice, problems = sending.mark(desk, notice_id, sending.Mark(what.value), note)
        out.print(f"notice {notice.id} is {notice.status.label()}")
        for problem in problems:
            err.print(f"[yellow]evidence log:[/] {problem}")

    @notices_app.command("discard")
    @guard
    def discard(
        notice_id: int,
        note: Annotated[str | None, typer.Option(help="Why.")] = None,
    ) -> None:
        """Drop a notice that has not gone out."""
        from haechi.notices import sending

        with open_desk(env()) as desk:
            notice = sending.discard(desk, notice_id, note)
        out.print(f"notice {notice.id} discarded")

    @notices_app.command("list")
    @guard
    def list_notices(
        status: Annotated[list[StatusChoice] | None, typer.Option(help="Only this status.")] = None,
        platform: PlatformOpt = None,
        kind: Annotated[list[KindChoice] | None, typer.Option(help="Only this kind.")] = None,
        overdue: Annotated[
            bool, typer.Option(help="Only notices past their deadline with items still up.")
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Notices, filtered."""
        from haechi.notices.model import NoticeKind, NoticeStatus
        from haechi.store.notices import NoticeStore

        statuses = [NoticeStatus(s.value) for s in status or ()]
        kinds = [NoticeKind(k.value) for k in kind or ()]
        e = env()
        with open_desk(e) as desk, desk.db.session() as session:
            found = NoticeStore(session).find(statuses or None, platform, kinds or None)
        now = e.clock()
        if overdue:
            found = [n for n in found if n.overdue(now)]
        if as_json:
            for n in found:
                print_json({**n.as_json(), "overdue": n.overdue(now)})
            return
        out.print(notice_table(found, now))

    @notices_app.command("export")
    @guard
    def export_cmd(
        notice_id: int,
        out_file: Annotated[
            Path, typer.Option("--out", help="Write the signed credential (JSON) here.")
        ],
    ) -> None:
        """Write a sent notice's signed credential (haechi trust verify checks it)."""
        from haechi.trust.notary import document_bytes, export_notice

        with open_desk(env()) as desk:
            published = export_notice(desk, notice_id)
        try:
            out_file.write_bytes(document_bytes(published.document))
        except OSError as exc:
            raise ConfigError(f"cannot write {out_file}: {exc.strerror}") from None
        out.print(f"wrote {out_file}; verification code {published.code}")

    @notices_app.command("show")
    @guard
    def show(
        notice_id: int,
        text: Annotated[bool, typer.Option("--text", help="Print only the text to paste.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """One notice: its text, items and history."""
        from haechi.store.notices import NoticeStore

        with open_desk(env()) as desk, desk.db.session() as session:
            notice = NoticeStore(session).get(notice_id)
        if as_json:
            print_json(
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
            f"notice {notice.id} to {notice.platform} ({notice.recipient}), "
            f"{notice.kind.label()}, {notice.status.label()}; text sha256 {notice.text_sha256}"
        )
        for event in notice.events:
            out.print(f"  {time_text(event.at)}  {event.status.label()}  {event.note or ''}")
        out.print("")
        out.print(notice.text, markup=False)
