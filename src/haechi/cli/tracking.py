"""``haechi timeline`` and ``haechi links``: where registered content travelled, and who
carried it, printed, charted and exported for the police."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from haechi.cli.common import EnvFactory, JsonOpt, database, guard, print_json, print_table
from haechi.cli.common import soft_err as err
from haechi.cli.common import soft_out as out


def _utc(moment: object) -> str:
    from datetime import datetime

    assert isinstance(moment, datetime)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi timeline`` and ``haechi links`` to ``app``."""

    @app.command("timeline")
    @guard
    def timeline_cmd(
        target: Annotated[
            str, typer.Argument(metavar="ENTRY|CASE", help="A bank entry id or a case reference.")
        ],
        as_json: JsonOpt = False,
        svg: Annotated[
            Path | None, typer.Option("--svg", metavar="FILE", help="Also write the chart as SVG.")
        ] = None,
        png: Annotated[
            Path | None, typer.Option("--png", metavar="FILE", help="Also write the chart as PNG.")
        ] = None,
        platform: Annotated[
            str | None, typer.Option(help="Only this platform's sightings.")
        ] = None,
    ) -> None:
        """Every sighting of an entry's or a case's content: first seen, captured, reported,
        removed, seen again elsewhere; with platform and country, in time order."""
        from haechi.tracking.chart import WORDS, timeline_svg
        from haechi.tracking.timeline import timeline_of

        command = env()
        with database(command.settings) as db:
            timeline = timeline_of(db, target).only(platform)
        now = command.clock()
        if as_json:
            print_json(timeline.as_json())
        else:
            table = Table("time", "event", "hit", "platform", "country", "detail", box=None)
            for event in timeline.events:
                word = WORDS[event.kind] + (" (after a removal)" if event.after_removal else "")
                table.add_row(
                    _utc(event.at), word, str(event.hit_id), event.platform or "-",
                    event.country or "-", escape(event.detail),
                )  # fmt: skip
            print_table(table)
        if svg is not None:
            svg.parent.mkdir(parents=True, exist_ok=True)
            svg.write_text(timeline_svg(timeline, now, _utc, lambda s: s), encoding="utf-8")
            err.print(f"wrote {svg}")
        if png is not None:
            from haechi.tracking.png import write_png

            err.print(f"wrote {write_png(timeline, now, png)}")

    @app.command("links")
    @guard
    def links_cmd(
        as_json: JsonOpt = False,
        graphml: Annotated[
            Path | None,
            typer.Option("--graphml", metavar="FILE", help="Also write the graph as GraphML."),
        ] = None,
        within: Annotated[
            float | None, typer.Option(help="Only copies this many hours apart or closer.", min=0)
        ] = None,
    ) -> None:
        """Accounts (channels, posters, servers, sites) that carried the same content, each
        link with its evidence (items, hits, captures), and their clusters."""
        from haechi.members.model import Actor
        from haechi.tracking.exports import export_links
        from haechi.tracking.links import link_map

        command = env()
        window = timedelta(hours=within) if within is not None else None
        with database(command.settings) as db:
            links = link_map(db, command.clock(), window)
            text = export_links(db, Actor.console(), "graphml", links) if graphml else None
        if as_json:
            print_json(links.as_json())
        else:
            table = Table("a", "b", "kind", "items", "entries", "captures", box=None)
            for link in links.links:
                table.add_row(
                    escape(f"{link.a.label} [{link.a.key}]"),
                    escape(f"{link.b.label} [{link.b.key}]"),
                    link.kind.value, str(len(link.evidence)),
                    " ".join(str(e) for ev in link.evidence for e in ev.entries),
                    str(len({c for ev in link.evidence for c in ev.captures})),
                )  # fmt: skip
            print_table(table)
            for cluster in links.clusters:
                names = ", ".join(a.label for a in cluster.accounts)
                out.print(f"cluster: {cluster.summary()}: {names}", markup=False)
        if graphml is not None:
            graphml.parent.mkdir(parents=True, exist_ok=True)
            graphml.write_text(text or "", encoding="utf-8")
            err.print(f"wrote {graphml}")
