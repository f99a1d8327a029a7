"""``haechi scan`` and ``haechi hits``: find re-uploads and list what was found."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer
from rich.markup import escape
from rich.table import Table

from haechi.cli.common import (
    AllowOpt,
    EnvFactory,
    JsonOpt,
    database,
    err,
    guarded,
    out,
    print_json,
    print_table,
    progress,
)

if TYPE_CHECKING:
    from haechi.scan.model import Hit, ScanReport
    from haechi.scan.pipeline import Scanner
    from haechi.scan.preserve import EvidenceKeeper
    from haechi.settings import Settings
    from haechi.sources import SourceOptions
    from haechi.store.database import Database

# The names of haechi.sources.SOURCES, spelled out so that help needs no source import;
# tests/cli/test_startup.py checks that they agree.
SOURCE_KINDS = (
    "folder",
    "web",
    "url-list",
    "telegram-export",
    "discord-export",
    "chat-csv",
    "telegram-live",
)


def hit_table(hits: Sequence[Hit]) -> Table:
    """The table of hits that ``scan`` and ``hits`` print."""
    table = Table(
        "hit", "where", "bank", "entry", "label", "signal", "distance", "confidence", box=None
    )
    for h in hits:
        table.add_row(
            str(h.id),
            h.location + (f"\n  forwarded from {h.forwarded_from}" if h.forwarded_from else ""),
            h.bank,
            str(h.entry),
            h.label,
            h.signal_kind,
            str(h.distance),
            h.evidence_text(),
        )
    return table


@contextmanager
def keeper(
    settings: Settings, allow_hosts: Sequence[str], preserve_files: bool = False
) -> Iterator[EvidenceKeeper | None]:
    """An evidence keeper for one scan, or ``None`` when capture is turned off.

    ``preserve_files`` seals folder hits too (bytes, path, timestamps), which the analyst
    may already hold, so only on request.
    """
    if not settings.evidence_capture:
        yield None
        return
    from haechi.scan.preserve import EvidenceKeeper, evidence_config

    config = evidence_config(settings, allow_hosts)
    with EvidenceKeeper(config, preserve_files=preserve_files) as kept:
        yield kept


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def scan_summary(report: ScanReport) -> str:
    """``1 item: 0 hashed, 1 already known or not media, 0 failed; 1 new hit``.

    Media hashed by an earlier scan are not hashed again but still match: a copy met at a new
    place is a new hit, so "already known" items can bring new hits.
    """
    return (
        f"{_count(report.seen, 'item')}: {report.hashed} hashed, "
        f"{report.skipped} already known or not media, {report.failed} failed; "
        f"{_count(len(report.hits), 'new hit')}"
    )


def is_refused_address(reason: str | None) -> bool:
    """Whether a failure is the safety policy refusing a private or local address."""
    return reason is not None and reason.startswith("refused") and " address" in reason


def _host(location: str) -> str:
    return urlsplit(location).hostname or "HOST"


def scan_exit_code(report: ScanReport) -> int:
    """0 ok, 1 some items failed, 3 the target itself failed (see ``haechi --help``)."""
    if report.target_failure() is not None:
        return 3
    return 1 if report.failed else 0


def print_report(report: ScanReport, as_json: bool) -> None:
    """A scan's hits and its summary (``--json``: the hits only, one per line)."""
    if as_json:
        for hit in report.hits:
            print_json(hit.as_json())
        return
    if report.hits:
        print_table(hit_table(report.hits))
    out.print(f"scan {report.scan_id}: {scan_summary(report)}")
    if report.captures or report.capture_failures:
        out.print(
            f"evidence: {len(report.captures)} captures sealed, "
            f"{len(report.capture_failures)} failed"
        )
    if report.repaired:
        states = Counter(o.state for o in report.repaired)
        out.print(
            f"evidence: {len(report.repaired)} earlier hits settled ("
            + ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
            + ")"
        )
    for hit_id, why in report.capture_failures.items():
        err.print(f"[red]capture of hit {hit_id} failed:[/] {why}")
    for failure in report.failures[:20]:
        err.print(f"[yellow]failed[/] {escape(failure.location)}: {escape(failure.reason or '')}")
        if is_refused_address(failure.reason):
            err.print(f"  (to fetch it anyway, name it: --allow-host {_host(failure.location)})")
    if len(report.failures) > 20:
        err.print(f"… and {len(report.failures) - 20} more failures")


def _scan(
    scanner: Scanner, settings: Settings, target: str, kind: str | None, options: SourceOptions
) -> ScanReport:
    from haechi.scan.intake import save_telegram_marks, save_validators
    from haechi.sources import open_source

    source = guarded(partial(open_source, target, kind, options))
    with progress() as bar:
        task = bar.add_task(f"scanning {source.kind}", total=None)

        def tick(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        report = scanner.scan_source(source, target, tick)
    save_validators(options)
    save_telegram_marks(settings, source)
    return report


def _scan_on_ray(
    db: Database,
    settings: Settings,
    kept: EvidenceKeeper | None,
    target: str,
    kind: str | None,
    options: SourceOptions,
) -> ScanReport:
    from haechi.distributed.runner import scan_on_ray

    with progress() as bar:
        task = bar.add_task("scanning on Ray", total=None)

        def tick(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        return scan_on_ray(db, settings, kept, target, kind, options, tick)


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi scan`` and ``haechi hits`` to ``app``."""

    @app.command()
    def scan(
        target: Annotated[
            str,
            typer.Argument(
                help="A folder, a Telegram export folder, a Discord export or URL list file, "
                "or a URL."
            ),
        ],
        kind: Annotated[
            str | None,
            typer.Option(help=f"Source kind instead of detecting it: {', '.join(SOURCE_KINDS)}."),
        ] = None,
        allow_host: AllowOpt = None,
        depth: Annotated[int | None, typer.Option(help="Web: link depth from the seed.")] = None,
        max_pages: Annotated[int | None, typer.Option(help="Web: most pages to fetch.")] = None,
        preserve: Annotated[
            bool,
            typer.Option(
                "--preserve",
                help="Folders: seal each hit's file (bytes, path, timestamps) as evidence too.",
            ),
        ] = False,
        runner: Annotated[
            str,
            typer.Option(
                help="local: this machine's cores; ray: the Ray cluster at HAECHI_RAY_ADDRESS "
                "(see README, 'Scans on Ray')."
            ),
        ] = "local",
        as_json: JsonOpt = False,
    ) -> None:
        """Fetch and hash the media of TARGET, match them against all banks, record the hits.

        Exit code 0 when every item was had, 1 when some items failed, 3 when the target itself
        failed (connection refused, HTTP 404, a refused private address).
        """
        from haechi.scan.intake import source_options
        from haechi.scan.pipeline import Scanner

        if runner not in ("local", "ray"):
            raise typer.BadParameter("local or ray", param_hint="--runner")
        settings = env().settings
        options = source_options(settings, allow_host or (), depth, max_pages)
        with database(settings) as db, keeper(settings, allow_host or (), preserve) as kept:
            if runner == "ray":
                report = _scan_on_ray(db, settings, kept, target, kind, options)
            else:
                report = _scan(Scanner(db, settings, kept), settings, target, kind, options)
        print_report(report, as_json)
        why = report.target_failure()
        if why is not None:
            err.print(f"[bold red]error:[/] the target failed: {escape(why)}")
        code = scan_exit_code(report)
        if code:
            raise typer.Exit(code)

    @app.command()
    def hits(
        as_json: JsonOpt = False,
        scan_id: Annotated[
            int | None, typer.Option("--scan", help="Only this scan's hits.")
        ] = None,
        limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 1000,
    ) -> None:
        """List recorded hits, newest first."""
        from haechi.store.scans import ScanStore

        with database(env().settings) as db, db.session() as session:
            found = ScanStore(session).hits(scan_id=scan_id, limit=limit)
        if as_json:
            for hit in found:
                print_json(hit.as_json())
        else:
            print_table(hit_table(found))
