"""``haechi jobs``: what the server's scheduler and workers ran, run and will run."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    database,
    guarded,
    print_json,
    print_table,
    time_text,
)


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi jobs`` to ``app``."""
    jobs_app = command_group("The server's jobs: scheduled runs and scans, with their results.")
    app.add_typer(jobs_app, name="jobs")

    @jobs_app.command("list")
    def jobs_list(
        as_json: JsonOpt = False,
        state: Annotated[
            str | None, typer.Option(help="Only jobs in this state: queued, running, done, failed.")
        ] = None,
        kind: Annotated[
            str | None,
            typer.Option(
                help="Only jobs of this kind: scan, watches, rechecks, followups, reminders."
            ),
        ] = None,
        limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 100,
    ) -> None:
        """Jobs, newest first: kind, state, progress, and the result or error of each."""
        from haechi.jobs import service

        with database(env().settings) as db, db.session() as session:
            found = guarded(lambda: service.list_jobs(session, state=state, kind=kind, limit=limit))
        if as_json:
            for job in found:
                print_json(job.as_json())
            return
        table = Table(
            "job", "kind", "state", "progress", "asked by", "queued", "ended", "outcome", box=None
        )
        for job in found:
            progress = str(job.progress_done)
            if job.progress_total:
                progress += f"/{job.progress_total}"
            target = job.args.get("target")
            outcome = job.error or (
                ", ".join(
                    f"{k}: {v}" for k, v in (job.result or {}).items() if isinstance(v, int | str)
                )
            )
            table.add_row(
                str(job.id),
                escape(f"{job.kind.value} {target}" if target else job.kind.value),
                job.state.value,
                progress,
                escape(job.requested_by),
                time_text(job.created_at),
                time_text(job.finished_at),
                escape(outcome or ""),
            )
        print_table(table)
