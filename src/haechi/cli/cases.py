"""``haechi case``: cases under pseudonymous references."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from haechi.cli.common import (
    CommandEnv,
    EnvFactory,
    JsonOpt,
    command_group,
    database,
    guard,
    open_desk,
    print_json,
    print_table,
    time_text,
)
from haechi.cli.common import soft_out as out
from haechi.cli.notices import notice_table


class YesNo(StrEnum):
    """An answer of the victim's: yes, no, or not asked yet."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"

    @property
    def answer(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.value)


def print_personal(e: CommandEnv, ref: str, as_json: bool) -> None:
    """Open a case's personal data for the operator at the console; the view is audited."""
    from haechi.cases.personal import read_personal
    from haechi.members.model import Actor

    with database(e.settings) as db, db.session() as session:
        view = read_personal(session, Actor.console(), ref, now=e.clock())
    if as_json:
        print_json(view.as_json())
        return
    if view.data is None:
        out.print(f"case {view.ref} holds no personal data")
        return
    out.print(f"case {view.ref}, written by {view.updated_by} {time_text(view.updated_at)}")
    out.print(f"name: {escape(view.data.name)}")
    if view.data.school:
        out.print(f"school: {escape(view.data.school)}")
    if view.data.workplace:
        out.print(f"workplace: {escape(view.data.workplace)}")
    for contact in view.data.contacts:
        out.print(f"contact: {escape(contact)}")
    consent = ", ".join(sorted(c.value for c in view.data.consent))
    out.print(f"consent: {consent or 'none recorded'}")
    if view.data.notes:
        out.print(f"notes: {escape(view.data.notes)}")


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
        name: Annotated[
            str | None, typer.Option(help="The victim's name (sealed; liaisons and admins only).")
        ] = None,
        contact: Annotated[
            list[str] | None,
            typer.Option(help="A phone number, e-mail address or other contact; repeatable."),
        ] = None,
        school: Annotated[
            str | None, typer.Option(help="Her school (sealed; taken out of what leaves the team).")
        ] = None,
        workplace: Annotated[
            str | None, typer.Option(help="Her workplace (sealed; redacted like her school).")
        ] = None,
        notes: Annotated[str | None, typer.Option(help="Notes on the case (sealed).")] = None,
        consent: Annotated[
            list[str] | None,
            typer.Option(help="What she agreed to: contact, takedown, police, hash-sharing."),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Open a case: ``haechi case new C-2026-001 --name ... --contact 010-...``.

        Personal data is sealed with the data key before it reaches the database.
        """
        from haechi.cases import personal
        from haechi.members.model import Actor

        if ref is not None and ref_option is not None and ref != ref_option:
            raise typer.BadParameter("give the reference once")
        data = None
        given = (name, notes, school, workplace)
        if any(v is not None for v in given) or contact or consent:
            data = personal.PersonalData(
                name or "",
                tuple(contact or ()),
                notes or "",
                frozenset(personal.parse_consent(c) for c in consent or ()),
                school or "",
                workplace or "",
            )
        e = env()
        with database(e.settings) as db, db.session() as session:
            case = personal.open_case(
                session, Actor.console(), ref or ref_option, data, now=e.clock()
            )
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
    def show(
        ref: str,
        show_personal: Annotated[
            bool,
            typer.Option(
                "--personal", help="Show only the victim's personal data (the view is audited)."
            ),
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Show what a case holds: entries, hits, captures, notices, police reports."""
        from haechi.cases import service as cases

        e = env()
        if show_personal:
            print_personal(e, ref, as_json)
            return
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

    @case_app.command("find")
    @guard
    def find(
        contact: Annotated[str, typer.Argument(help="A phone number or e-mail address.")],
        as_json: JsonOpt = False,
    ) -> None:
        """Find the cases that hold exactly this phone number or e-mail address (audited)."""
        from haechi.cases.personal import find_cases
        from haechi.members.model import Actor

        e = env()
        with database(e.settings) as db, db.session() as session:
            refs = find_cases(session, Actor.console(), contact, now=e.clock())
        for ref in refs:
            if as_json:
                print_json({"case": ref})
            else:
                out.print(ref)
        if not refs and not as_json:
            out.print("no case holds it")

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

    @case_app.command("consent")
    @guard
    def consent(
        ref: Annotated[str, typer.Argument(help="The case reference.")],
        keep_evidence: Annotated[
            YesNo, typer.Option(help="May her evidence be kept? yes, no or unknown.")
        ] = YesNo.UNKNOWN,
        police_may_name: Annotated[
            YesNo, typer.Option(help="May the police learn her name? yes, no or unknown.")
        ] = YesNo.UNKNOWN,
        as_json: JsonOpt = False,
    ) -> None:
        """Record her choices on the case (audited; the web's case page shows them)."""
        from haechi.casework.cases import set_consent
        from haechi.members.model import Actor

        e = env()
        with database(e.settings) as db, db.session() as session:
            done = set_consent(
                session,
                Actor.console(),
                ref,
                keep_evidence.answer,
                police_may_name.answer,
                now=e.clock(),
            )
        if as_json:
            print_json(done.as_json())
        else:
            out.print(
                f"case {ref}: keep evidence {keep_evidence}, police may name {police_may_name}"
            )

    @case_app.command("close")
    @guard
    def close(
        ref: Annotated[str, typer.Argument(help="The case reference.")],
        withdraw: Annotated[
            bool, typer.Option("--withdraw", help="Withdraw her bank entries for good.")
        ] = False,
        destroy: Annotated[
            bool, typer.Option("--destroy", help="Destroy the case's evidence now.")
        ] = False,
        reason: Annotated[str, typer.Option(help="Kept in the database, never logged.")] = "",
        as_json: JsonOpt = False,
    ) -> None:
        """Close a case as she chooses; its notices stay counted in the statistics (audited)."""
        from haechi.casework.cases import close_case

        with open_desk(env()) as desk:
            closing = close_case(
                desk, ref, withdraw_hashes=withdraw, destroy_evidence=destroy, reason=reason
            )
        if as_json:
            print_json(closing.as_json())
            return
        out.print(
            f"case {ref} closed: {closing.withdrawn} entries withdrawn, "
            f"{closing.destroyed} captures destroyed"
        )
        if destroy and not closing.destroyed:
            out.print("nothing destroyed yet: `haechi retention run` carries it out")
