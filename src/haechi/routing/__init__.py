"""Jurisdiction routing: for a hit's URL, who can act on it, where to write and in which
language (issue 22).

:func:`open_router` builds a :class:`Router` over the home's database (registry answers are
cached there with their date); :meth:`Router.route` returns a :class:`Route` whose first desk is
the channel. :mod:`haechi.routing.desks` turns a route into a directory entry, so notice
drafting can address a site that has no desk of its own to its host's or registrar's abuse desk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from haechi.routing.config import RoutingSettings
from haechi.routing.errors import LookupFailed, PrivateAddress, RoutingError
from haechi.routing.model import Desk, Failure, Network, Registration, Role, Route
from haechi.routing.rdap import Pacer, Registries
from haechi.routing.router import Resolver, Router, system_resolver
from haechi.store.database import Database
from haechi.store.notices import PlatformStore


@contextmanager
def open_router(
    db: Database,
    clock: Callable[[], datetime],
    home_country: str = "KR",
    settings: RoutingSettings | None = None,
    resolver: Resolver = system_resolver,
    pacer: Pacer | None = None,
) -> Iterator[Router]:
    """A router over ``db``'s directory and cache; its HTTP clients close on exit."""
    with db.session() as session:
        directory = PlatformStore(session).directory()
    with Registries(db, settings or RoutingSettings(), clock, pacer) as registries:
        yield Router(registries, directory, home_country, resolver, clock=clock)


__all__ = [
    "Desk",
    "Failure",
    "LookupFailed",
    "Network",
    "Pacer",
    "PrivateAddress",
    "Registration",
    "Resolver",
    "Role",
    "Route",
    "Router",
    "RoutingError",
    "RoutingSettings",
    "open_router",
    "system_resolver",
]
