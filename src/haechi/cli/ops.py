"""``haechi doctor`` and ``haechi retention``: a home's health, and how long evidence is kept."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    database,
    err,
    guard,
    print_json,
)
from haechi.cli.common import soft_out as out


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi doctor`` and ``haechi retention`` to ``app``."""

    @app.command("doctor")
    @guard
    def doctor(as_json: JsonOpt = False) -> None:
        """Check the home and say what to do about each problem. Exit 1 on any error."""
        from haechi.ops.doctor import diagnose

        report = diagnose(env().settings)
        if as_json:
            for finding in report.findings:
                print_json(finding.as_json())
        else:
            for held in report.held:
                out.print(f"[green]ok[/]  {escape(held)}")
            for f in report.findings:
                colour = "red" if f.severity == "error" else "yellow"
                out.print(f"[{colour}]{f.severity}[/] [{f.code}] {escape(f.problem)}")
                out.print(f"      what to do: {escape(f.action)}")
        if not report.healthy:
            raise typer.Exit(1)

    retention_app = command_group("How long each case's evidence is kept, and destroying it.")
    app.add_typer(retention_app, name="retention")

    @retention_app.command("list")
    @guard
    def list_cmd(as_json: JsonOpt = False) -> None:
        """Every case's retention and when its evidence is due for destruction."""
        from haechi.ops.retention import policies

        with database(env().settings) as db:
            found = policies(db)
        for policy in found:
            data = policy.as_json()
            if as_json:
                print_json(data)
            else:
                out.print(
                    f"{policy.ref}: closed {data['closed_at'] or '-'}, keep "
                    f"{policy.keep_days if policy.keep_days is not None else 'forever'} days, "
                    f"due {data['due_at'] or '-'}, destroyed {data['destroyed_at'] or '-'}"
                )

    @retention_app.command("keep")
    @guard
    def keep(
        ref: Annotated[str, typer.Argument(help="The case reference.")],
        days: Annotated[int, typer.Option(help="Days kept after the case closes.")],
    ) -> None:
        """Keep a case's evidence N days after the case closes."""
        from haechi.ops.retention import set_keep_days

        with database(env().settings) as db:
            set_keep_days(db, ref, days)
        out.print(f"case {ref}: evidence kept {days} days after it closes")

    @retention_app.command("close")
    @guard
    def close(ref: Annotated[str, typer.Argument(help="The case reference.")]) -> None:
        """Close a case: its retention period starts now."""
        from haechi.ops.retention import close_case

        current = env()
        with database(current.settings) as db:
            policy = close_case(db, ref, current.clock())
        due = policy.due_at()
        out.print(f"case {ref} closed; evidence due for destruction {due or 'never (no policy)'}")

    @retention_app.command("destroy")
    @guard
    def destroy(
        ref: Annotated[str, typer.Argument(help="The case reference.")],
        reason: Annotated[
            str, typer.Option(help="Kept in the database only, never in the evidence log.")
        ] = "",
    ) -> None:
        """Record the victim's request to destroy her case's evidence (done by `run`)."""
        from haechi.ops.retention import request_destruction

        current = env()
        with database(current.settings) as db:
            request_destruction(db, ref, current.clock(), reason)
        out.print(f"case {ref}: destruction requested; `haechi retention run` carries it out")

    @retention_app.command("run")
    @guard
    def run(
        dry_run: Annotated[bool, typer.Option(help="Say what would be destroyed.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Destroy the evidence of every case that is due; sign the tombstones (cron this)."""
        from haechi.ops.retention import run_retention
        from haechi.scan.preserve import evidence_config

        current = env()
        with database(current.settings) as db:
            locker = evidence_config(current.settings).locker()
            report = run_retention(db, locker, current.clock(), dry_run)
        for case in report.cases:
            if as_json:
                print_json(case.as_json())
                continue
            verb = "would destroy" if dry_run else "destroyed"
            out.print(f"case {case.ref} ({case.why}): {verb} {len(case.destroyed)} captures")
            for capture, other in case.kept.items():
                err.print(f"[yellow]kept[/] {capture}: case {other} still keeps it")
        if report.checkpoint_size is not None and not as_json:
            out.print(f"tombstones signed in a checkpoint over {report.checkpoint_size} entries")
