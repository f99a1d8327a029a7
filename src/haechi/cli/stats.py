"""``haechi stats``: how platforms answer notices, printed and charted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from haechi.cli.common import EnvFactory, JsonOpt, guard, open_desk, print_json
from haechi.cli.common import soft_err as err
from haechi.cli.common import soft_out as out


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi stats`` to ``app``."""

    @app.command("stats")
    @guard
    def stats_cmd(
        charts: Annotated[
            Path | None, typer.Option(help="Also write notice-stats.png/.svg into this folder.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Per platform: notices sent, hours to removal (median, p90), never removed, re-uploads."""
        from haechi.notices import stats

        with open_desk(env()) as desk:
            figures = stats.platform_stats(desk)
        if as_json:
            for s in figures:
                print_json(s.as_json())
        else:
            table = Table(
                "platform",
                "sent",
                "items",
                "removed",
                "median h",
                "p90 h",
                "never",
                "re-uploads",
                box=None,
            )
            for s in figures:
                share = s.never_removed_share
                table.add_row(
                    s.platform,
                    str(s.notices_sent),
                    str(s.items_reported),
                    str(s.items_removed),
                    f"{s.median_hours:.1f}" if s.median_hours is not None else "-",
                    f"{s.p90_hours:.1f}" if s.p90_hours is not None else "-",
                    f"{share:.0%}" if share is not None else "-",
                    str(s.reuploads),
                )
            out.print(table)
        if charts is not None:
            from haechi.notices.charts import write_charts

            for path in write_charts(figures, charts):
                err.print(f"wrote {path}")
