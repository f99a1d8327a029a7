"""``haechi route URL``: who can act on a URL, where to write and in which language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from haechi.cli.common import EnvFactory, JsonOpt, database, guard, print_json
from haechi.cli.common import soft_err as err
from haechi.cli.common import soft_out as out

if TYPE_CHECKING:
    from haechi.routing import Desk, Route


def _desk_line(desk: Desk) -> str:
    where = desk.contact or "(no contact)"
    return (
        f"{desk.role.value}: {desk.name} <{where}> [{desk.language}]"
        f"\n    responsible for {desk.responsible_for}\n    source: {desk.source}"
    )


def print_route(route: Route) -> None:
    """The route for a person: the channel first, then the other desks and what failed."""
    out.print(escape(f"{route.url}\n  host {route.host} ({', '.join(route.addresses) or '-'})"))
    if route.private:
        out.print("  private address: not looked up anywhere")
    if route.network is not None:
        n = route.network
        out.print(escape(f"  network {n.label}, held by {n.org or '-'}, country {n.country}"))
    if route.cdn:
        out.print(escape(f"  behind the CDN {route.cdn}"))
    if route.registration is not None:
        r = route.registration
        out.print(escape(f"  domain {r.domain} registered with {r.registrar or '-'}"))
    channel = route.channel
    out.print(f"  channel: {channel.role.value if channel else 'none found'}")
    out.print(f"  language: {route.language}")
    for desk in route.desks:
        out.print(escape("  " + _desk_line(desk)))
    if route.block is not None:
        out.print(escape("  block " + _desk_line(route.block)))
    for failure in route.failures:
        err.print(escape(f"warning: {failure.step}: {failure.detail}"))


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi route`` to ``app``."""

    @app.command("route")
    @guard
    def route_cmd(
        url: Annotated[str, typer.Argument(help="The URL of a hit (file or page).")],
        as_json: JsonOpt = False,
    ) -> None:
        """Find the desks that can act on URL: the platform, its CDN or host, the registrar,
        the country's hotline and, abroad, the regulator that blocks access. Exit 0 when a
        desk was found, 1 when none, 3 for a private address (never looked up)."""
        from haechi.routing import RoutingSettings, open_router
        from haechi.routing.saved import keep_route

        e = env()
        with (
            database(e.settings) as db,
            open_router(db, e.clock, e.config.country, RoutingSettings()) as router,
        ):
            route = router.route(url)
            keep_route(db, route)  # the hit page's "who can act" box shows it
        if as_json:
            print_json(route.as_json())
        else:
            print_route(route)
        if route.private:
            raise typer.Exit(3)
        if route.channel is None:
            raise typer.Exit(1)
