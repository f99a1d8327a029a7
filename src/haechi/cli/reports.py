"""``haechi report``: police report packages and the wait for their answers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    guard,
    open_desk,
    print_json,
    time_text,
)
from haechi.cli.common import soft_out as out


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi report`` to ``app``."""
    report_app = command_group("Police report packages and their answers; public reports.")
    app.add_typer(report_app, name="report")
    from haechi.cli import transparency  # haechi report public: the transparency report

    transparency.mount(report_app, env)

    @report_app.command("make")
    @guard
    def make(
        ref: Annotated[str, typer.Argument(help="The case reference.")],
        station: Annotated[str, typer.Option(help="The police station it goes to.")],
        out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path(
            "."
        ),
        as_json: JsonOpt = False,
    ) -> None:
        """Write a case's package: report.pdf, evidence.wacz, hits.json, SHA256SUMS."""
        from haechi.cases import police

        with open_desk(env()) as desk:
            package = police.make_police_report(desk, ref, station, out_dir)
        if as_json:
            print_json({**package.report.as_json(), "files": package.files})
            return
        out.print(f"wrote {package.folder}")
        for name, digest in package.files.items():
            out.print(f"  {name}  sha256 {digest}")
        out.print(
            f"answer expected by {time_text(package.report.answer_due)} "
            f"(report {package.report.id})"
        )

    @report_app.command("list")
    @guard
    def list_reports(
        waiting: Annotated[bool, typer.Option(help="Only reports without an answer.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Police reports with their answer or the next reminder."""
        from haechi.store.cases import CaseStore

        with open_desk(env()) as desk, desk.db.session() as session:
            found = CaseStore(session).reports(waiting_only=waiting)
        for r in found:
            if as_json:
                print_json(r.as_json())
            else:
                state = (
                    f"answered {time_text(r.answered_at)}: {r.answer}"
                    if r.answered_at
                    else f"waiting; next reminder {time_text(r.next_reminder)}"
                )
                out.print(f"report {r.id}  case {r.case_ref}  {r.station}  {state}")

    @report_app.command("reminders")
    @guard
    def reminders(as_json: JsonOpt = False) -> None:
        """Reports whose reminder is due: show them and note that the group was reminded."""
        from haechi.cases import police

        with open_desk(env()) as desk:
            due = police.remind(desk)
        for r in due:
            if as_json:
                print_json(r.as_json())
            else:
                out.print(
                    f"[bold]remind:[/] report {r.id} (case {r.case_ref}) to {r.station}, made "
                    f"{time_text(r.made_at)}, answer was due {time_text(r.answer_due)}"
                )
        if not due and not as_json:
            out.print("no reminder is due")

    @report_app.command("answered")
    @guard
    def answered(
        report_id: int,
        answer: Annotated[str, typer.Option(help="What the station answered.")],
    ) -> None:
        """Record a station's answer; its reminders stop."""
        from haechi.cases import police

        with open_desk(env()) as desk:
            report = police.record_answer(desk, report_id, answer)
        out.print(f"report {report.id} answered {time_text(report.answered_at)}")
