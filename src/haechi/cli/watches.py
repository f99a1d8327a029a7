"""``haechi watch``: sources re-scanned on a schedule."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from haechi.cli.common import (
    AllowOpt,
    EnvFactory,
    JsonOpt,
    command_group,
    database,
    err,
    out,
    print_json,
    print_table,
)
from haechi.cli.scans import keeper, print_report, scan_exit_code


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi watch`` to ``app``."""
    watch_app = command_group("Watch lists: sources re-scanned on a schedule.")
    app.add_typer(watch_app, name="watch")

    @watch_app.command("add")
    def watch_add(
        target: str,
        every: Annotated[str, typer.Option(help="Interval: 30m, 6h, 1d.")] = "6h",
        kind: Annotated[
            str | None, typer.Option(help="Source kind instead of detecting it.")
        ] = None,
    ) -> None:
        """Re-scan TARGET on a schedule (run due watches with `haechi watch run`)."""
        from haechi.scan.watching import add_watch
        from haechi.store.models import utcnow

        with database(env().settings) as db:
            watch = add_watch(db, target, kind, every, utcnow())
        out.print(f"watch {watch.id}: {target} every {every}, first run due now")

    @watch_app.command("list")
    def watch_list(as_json: JsonOpt = False) -> None:
        """Watched sources with their last run, next run and last error."""
        from haechi.scan.watching import list_watches, watch_json

        with database(env().settings) as db:
            watches = list_watches(db)
        if as_json:
            for w in watches:
                print_json(watch_json(w))
            return
        table = Table(
            "watch",
            "target",
            "every",
            "last run",
            "next run",
            "scan",
            "failures",
            "error",
            box=None,
        )
        for w in watches:
            table.add_row(
                str(w.id),
                w.target,
                str(w.every),
                f"{w.last_run:%F %H:%M}" if w.last_run else "never",
                f"{w.next_run:%F %H:%M}",
                str(w.last_scan_id or ""),
                str(w.failures or ""),
                w.last_error or "",
            )
        print_table(table)

    @watch_app.command("remove")
    def watch_remove(watch_id: int) -> None:
        """Stop watching a source."""
        from haechi.scan.watching import remove_watch

        with database(env().settings) as db:
            remove_watch(db, watch_id)
        out.print(f"watch {watch_id} removed")

    @watch_app.command("run")
    def watch_run(allow_host: AllowOpt = None, as_json: JsonOpt = False) -> None:
        """Re-scan every watched source that is due; hits on new media are new hits.

        Each watch runs on its own: one that fails is recorded (its last error, a retry with
        back-off) and the others still run. Exit code 1 when any watch failed, so a scheduler
        can tell.
        """
        from haechi.scan.intake import source_options
        from haechi.scan.watching import run_due_watches
        from haechi.store.models import utcnow

        settings = env().settings
        options = source_options(settings, allow_host or ())
        with database(settings) as db, keeper(settings, allow_host or ()) as kept:
            runs = run_due_watches(db, settings, options, utcnow, kept)
        for run in runs:
            if run.report is not None:
                print_report(run.report, as_json)
            if run.error:
                err.print(f"[red]watch {run.watch.id} failed:[/] {run.error}")
        if not runs and not as_json:
            out.print("no watch is due")
        if any(run.error or (run.report and scan_exit_code(run.report)) for run in runs):
            raise typer.Exit(1)
