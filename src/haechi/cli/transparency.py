"""``haechi report public``: the public transparency report of a period, and its checks.

``public --period 2026-Q4 --out DIR`` writes the report's files (Korean and English pages,
charts, CSV, JSON, the signed manifest) and records it for the server, unpublished;
``--publish`` also shows it on the public page (``/transparency``). ``public-publish`` and
``public-withdraw`` change that later, ``public-list`` lists the reports made, and
``public-check DIR`` verifies a report folder: the manifest's signature and every file.
Mounted on ``haechi report`` by :mod:`haechi.cli.reports`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from haechi.cli.common import EnvFactory, JsonOpt, database, guard, print_json
from haechi.cli.common import soft_out as out


def _switch(env: EnvFactory, change: Callable[..., Any], report_id: int, done: str) -> None:
    """Publish or withdraw report ``report_id`` as the console, and say so."""
    from haechi.members.model import Actor

    e = env()
    with database(e.settings) as db, db.session() as session:
        stored = change(session, Actor.console(), report_id, e.clock())
    out.print(f"{done} report {stored.id} of {stored.period}")

def mount(report_app: typer.Typer, env: EnvFactory) -> None:
    """Add the ``public*`` commands to ``haechi report``."""

    @report_app.command("public")
    @guard
    def public(
        period: Annotated[
            str, typer.Option(help="A year (2026), a quarter (2026-Q4) or a month (2026-11).")
        ],
        out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")],
        threshold: Annotated[
            int, typer.Option(help="Hide counts below this (5 at least; only raised).")
        ] = 5,
        time_zone: Annotated[
            str, typer.Option("--time-zone", help="Where months begin at midnight.")
        ] = "Asia/Seoul",
        publish: Annotated[
            bool, typer.Option(help="Also show it on the server's public page.")
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Write the public report of a period: per platform, notices, time to removal,
        never removed, re-uploads, escalations; small cells hidden; signed."""
        from haechi.members.model import Actor
        from haechi.transparency.service import make_report, publish_report, write_files
        from haechi.trust.config import TrustConfig

        e = env()
        config = TrustConfig.from_settings(e.settings)
        with database(e.settings) as db, db.session() as session:
            stored, files = make_report(
                session,
                config,
                Actor.console(),
                period,
                e.clock(),
                threshold=threshold,
                time_zone=time_zone,
            )
            if publish:
                stored = publish_report(session, Actor.console(), stored.id, e.clock())
        write_files(files, out_dir)
        if as_json:
            print_json({**stored.as_json(), "folder": str(out_dir)})
            return
        out.print(f"wrote report {stored.id} of {stored.period} into {out_dir}")
        for name, digest in stored.files.items():
            out.print(f"  {name}  sha256 {digest}")
        out.print(f"verification code {stored.code}")
        out.print("published" if stored.public else "not published (haechi report public-publish)")

    @report_app.command("public-list")
    @guard
    def public_list(as_json: JsonOpt = False) -> None:
        """The public reports made, newest first, and which are published."""
        from haechi.transparency.service import all_reports

        e = env()
        with database(e.settings) as db, db.session() as session:
            reports = all_reports(session)
        for r in reports:
            if as_json:
                print_json(r.as_json())
            else:
                state = "published" if r.public else "not published"
                made = f"{r.made_at:%Y-%m-%d %H:%M} UTC"
                out.print(f"report {r.id}  {r.period}  made {made}  {state}")

    @report_app.command("public-publish")
    @guard
    def public_publish(
        report_id: Annotated[int, typer.Argument(help="The report's number.")],
    ) -> None:
        """Show a report on the server's public page (replacing the period's earlier one)."""
        from haechi.transparency.service import publish_report

        _switch(env, publish_report, report_id, "published")

    @report_app.command("public-withdraw")
    @guard
    def public_withdraw(
        report_id: Annotated[int, typer.Argument(help="The report's number.")],
    ) -> None:
        """Take a report off the server's public page."""
        from haechi.transparency.service import withdraw_report

        _switch(env, withdraw_report, report_id, "withdrew")

    @report_app.command("public-check")
    @guard
    def public_check(
        folder: Annotated[Path, typer.Argument(help="A report folder with manifest.json.")],
        as_json: JsonOpt = False,
    ) -> None:
        """Check a report folder: the manifest's signature and every file's SHA-256; exit 0
        only when all hold."""
        from haechi.cli.trust import has_database
        from haechi.transparency.signing import check_folder
        from haechi.trust.config import TrustConfig

        e = env()
        if has_database(e.settings):
            with database(e.settings) as db, db.session() as session:
                result = check_folder(
                    folder, e.clock(), session, TrustConfig.from_settings(e.settings)
                )
        else:
            result = check_folder(folder, e.clock())
        if as_json:
            print_json(result.as_json())
        else:
            verdict = "VALID" if result.valid else "INVALID"
            out.print(f"{verdict}: signature {result.signature.verdict.value}")
            for reason in result.signature.reasons:
                out.print(f"  reason: {reason.value}")
            for name in result.changed:
                out.print(f"  changed: {name}")
            for name in result.missing:
                out.print(f"  missing: {name}")
            for name in result.unlisted:
                out.print(f"  not listed (not covered by the signature): {name}")
        raise typer.Exit(0 if result.valid else 1)
