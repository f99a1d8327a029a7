"""``haechi intake``: victims' own registrations, for the team at the console.

The same services as the ``/intakes`` page and ``/api/v1/intakes``: what waits for a reviewer,
approving or refusing it, and one-time intake links for a victim at the support centre.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    database,
    out,
    print_json,
    print_table,
)


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi intake`` to ``app``."""
    intake_app = command_group("Victims' own registrations: approvals and centre links.")
    app.add_typer(intake_app, name="intake")

    @intake_app.command("pending")
    def pending(as_json: JsonOpt = False) -> None:
        """Entries victims registered that wait for a reviewer (never a picture)."""
        from haechi.intake.review import pending as waiting

        with database(env().settings) as db:
            rows = waiting(db)
        if as_json:
            for row in rows:
                print_json(row.as_json())
            return
        table = Table("id", "entry", "kind", "quality", "folded", "share", "registered")
        for r in rows:
            table.add_row(
                str(r.id),
                str(r.entry_id),
                r.kind,
                str(r.quality if r.quality is not None else "-"),
                str(r.folded),
                "yes" if r.share else "no",
                f"{r.registered_at:%F %H:%M}",
            )
        print_table(table)

    def _decide(ids: list[int], approve: bool) -> None:
        from haechi.intake.review import decide
        from haechi.members.model import Actor
        from haechi.store.models import utcnow

        with database(env().settings) as db:
            decide(db, Actor.console(), ids, approve, now=utcnow())
        out.print(f"{'approved' if approve else 'refused'}: {', '.join(map(str, ids))}")

    @intake_app.command("approve")
    def approve(ids: Annotated[list[int], typer.Argument(metavar="ID...")]) -> None:
        """Approve intake entries: shared with platforms if she allowed it (audited)."""
        _decide(ids, True)

    @intake_app.command("refuse")
    def refuse(ids: Annotated[list[int], typer.Argument(metavar="ID...")]) -> None:
        """Refuse intake entries: still looked for, never shared (audited)."""
        _decide(ids, False)

    @intake_app.command("link")
    def link(
        case: Annotated[
            str | None, typer.Option(metavar="TEXT", help="The team's case to offer to link.")
        ] = None,
        base_url: Annotated[
            str, typer.Option(metavar="URL", help="The server's public address.")
        ] = "http://127.0.0.1:8000",
    ) -> None:
        """A one-time intake link (valid 24 h) for a victim at the centre; printed once."""
        from haechi.intake.guard import IntakeConfig
        from haechi.intake.review import open_link
        from haechi.members.model import Actor, Role
        from haechi.store.models import utcnow

        console = Actor(None, "console", Role.ADMIN, "console")
        with database(env().settings) as db:
            token = open_link(db, console, case, now=utcnow(), config=IntakeConfig())
        out.print(f"{base_url.rstrip('/')}/intake/start/{token}")
