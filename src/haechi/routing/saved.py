"""Routes kept with their date, so a page shows who can act without asking anyone.

A page never looks anything up when it is viewed: it shows the last route found for the
URL's host (kept in ``routing_lookups`` as kind ``route``, keyed by host, beside the registry
answers it was made from), and a member asks for a fresh one on purpose (a POST), which runs
:class:`~haechi.routing.router.Router` (paced, cached, never about a private address) and
keeps the result. The route depends on the host only (directory, DNS, registries), so one kept
route serves every URL on that host.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from haechi.notices.platforms import host_of
from haechi.routing import RoutingSettings, open_router
from haechi.routing.errors import RoutingError
from haechi.routing.model import Route
from haechi.routing.router import Resolver, system_resolver
from haechi.store.database import Database
from haechi.store.routing_models import RoutingLookupRow

KIND = "route"


@dataclass(frozen=True)
class SavedRoute:
    """A route as kept: its JSON form (``haechi route --json``'s) and when it was found."""

    url: str
    host: str
    route: dict[str, Any]
    saved_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form: the route, and when it was found."""
        return {
            "url": self.url,
            "host": self.host,
            "saved_at": self.saved_at.isoformat(),
            "route": self.route,
        }


def first_web_url(urls: Iterable[str | None]) -> str | None:
    """The first http(s) URL with a host among ``urls`` (a hit's file, then its page)."""
    return next((u for u in urls if u and host_of(u) is not None), None)


def _host(url: str) -> str:
    host = host_of(url)
    if host is None or len(host) > 253:
        raise RoutingError(f"{url[:300]!r} is not an http(s) URL with a host")
    return host


def saved_route(db: Database, url: str) -> SavedRoute | None:
    """The last route found for ``url``'s host, or ``None``; asks no one."""
    host = _host(url)
    with db.session() as session:
        row = session.scalar(
            select(RoutingLookupRow).where(
                RoutingLookupRow.kind == KIND, RoutingLookupRow.query == host
            )
        )
        if row is None:
            return None
        return SavedRoute(row.url, host, json.loads(row.body), row.fetched_at)


def keep_route(db: Database, route: Route) -> SavedRoute:
    """Keep ``route`` as its host's last route (replacing the one before)."""
    body = route.as_json()
    with db.session() as session:
        row = session.scalar(
            select(RoutingLookupRow).where(
                RoutingLookupRow.kind == KIND, RoutingLookupRow.query == route.host
            )
        )
        if row is None:
            row = RoutingLookupRow(kind=KIND, query=route.host)
            session.add(row)
        row.url, row.body, row.fetched_at = route.url, json.dumps(body), route.checked_at
    return SavedRoute(route.url, route.host, body, route.checked_at)


def look_up(
    db: Database,
    url: str,
    clock: Callable[[], datetime],
    home_country: str = "KR",
    settings: RoutingSettings | None = None,
    resolver: Resolver = system_resolver,
) -> SavedRoute:
    """Route ``url`` now (registry answers younger than the cache age are reused) and keep it."""
    _host(url)
    with open_router(db, clock, home_country, settings or RoutingSettings(), resolver) as router:
        route = router.route(url)
    return keep_route(db, route)
