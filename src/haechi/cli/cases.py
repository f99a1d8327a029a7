"""``haechi case``: cases under pseudonymous references."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    guard,
    open_desk,
    print_json,
    print_table,
    time_text,
)
from haechi.cli.common import soft_out as out
from haechi.cli.notices import notice_table


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi case`` to ``app``."""
    case_app = command_group("Cases under pseudonymous references.")
    app.add_typer(case_app, name="case")

    @case_app.command("new")
    @guard
    def new(
        ref: Annotated[
            str | None,
            typer.Argument(help="A code of your own (never a name); default: one is made."),
        ] = None,
        ref_option: Annotated[
            str | None, typer.Option("--ref", hidden=True, help="The same as REF.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Open a case: ``haechi case new C-2026-001``."""
        from haechi.cases import service as cases

        if ref is not None and ref_option is not None and ref != ref_option:
            raise typer.BadParameter("give the reference once")
        with open_desk(env()) as desk:
            case = cases.new_case(desk, ref or ref_option)
        if as_json:
            print_json(case.as_json())
        else:
            out.print(f"case {case.ref} opened")

    @case_app.command("add")
    @guard
    def add(
        ref: Annotated[str, typer.Argument(help="The case reference.")],
        entry: Annotated[list[int] | None, typer.Option(help="Bank entry id.")] = None,
        hit: Annotated[list[int] | None, typer.Option(help="Hit id.")] = None,
        capture: Annotated[list[str] | None, typer.Option(help="Capture id.")] = None,
    ) -> None:
        """Add bank entries, hits or captures to a case."""
        from haechi.cases import service as cases
        from haechi.cases.model import MemberKind

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

    @case_app.command("show")
    @guard
    def show(ref: str, as_json: JsonOpt = False) -> None:
        """Show what a case holds: entries, hits, captures, notices, police reports."""
        from haechi.cases import service as cases

        e = env()
        with open_desk(e) as desk:
            view = cases.show_case(desk, ref)
        if as_json:
            print_json(view.as_json())
            return
        out.print(f"case {view.case.ref}, opened {time_text(view.case.created_at)}")
        out.print(f"entries: {', '.join(str(x.id) for x in view.entries) or 'none'}")
        table = Table("hit", "where", "review", "found", box=None)
        for h in view.hits:
            decision = view.decisions.get(h.id)
            table.add_row(
                str(h.id),
                h.location,
                decision.value if decision else "pending",
                time_text(h.found_at),
            )
        print_table(table, out)
        out.print(f"captures: {', '.join(c.id for c in view.captures) or 'none'}")
        if view.notices:
            out.print(notice_table(view.notices, e.clock()))
        for r in view.reports:
            state = f"answered {time_text(r.answered_at)}" if r.answered_at else "waiting"
            out.print(f"police report {r.id} to {r.station}, {time_text(r.made_at)}: {state}")

    @case_app.command("list")
    @guard
    def list_cases(as_json: JsonOpt = False) -> None:
        """Every case."""
        from haechi.store.cases import CaseStore

        with open_desk(env()) as desk, desk.db.session() as session:
            found = CaseStore(session).all()
        for case in found:
            if as_json:
                print_json(case.as_json())
            else:
                out.print(f"{case.ref}  opened {time_text(case.created_at)}")
