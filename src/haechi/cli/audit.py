"""``haechi audit verify`` and ``haechi audit list``: the team server's audit trail."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from haechi.cli.common import EnvFactory, JsonOpt, command_group, database, err, out, print_json


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi audit`` to ``app``."""
    audit_app = command_group("The audit trail of the team server: check it, read it.")
    app.add_typer(audit_app, name="audit")

    @audit_app.command("verify")
    def verify_cmd() -> None:
        """Recompute the hash chain; exit 1 naming the first row that does not hold."""
        from haechi.audit.trail import verify_chain

        with database(env().settings) as db, db.session() as session:
            report = verify_chain(session)
        if not report.ok:
            err.print(f"[bold red]broken:[/] row {report.broken_id}: {escape(report.reason)}")
            raise typer.Exit(1)
        out.print(f"audit trail intact: {report.rows} rows")

    @audit_app.command("list")
    def list_cmd(
        kind: Annotated[str | None, typer.Option(help="Only events of this kind.")] = None,
        member: Annotated[
            str | None, typer.Option(help="Only events by or about this member.")
        ] = None,
        limit: Annotated[int, typer.Option(min=1, help="Newest events shown.")] = 100,
        as_json: JsonOpt = False,
    ) -> None:
        """The newest events, oldest first."""
        from haechi.audit.trail import events

        with database(env().settings) as db, db.session() as session:
            found = list(reversed(events(session, kind=kind, member=member, limit=limit)))
        for event in found:
            if as_json:
                print_json(event.as_json())
            else:
                subject = f" → {event.subject_name}" if event.subject_name else ""
                out.print(
                    escape(
                        f"{event.id:>6}  {event.at:%Y-%m-%d %H:%M:%S}  {event.kind:<18} "
                        f"{event.actor_name or '-'}{subject}  {event.address}"
                    ),
                    soft_wrap=True,
                )
