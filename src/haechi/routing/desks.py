"""Routing meets notice drafting: a site with no desk of its own gets its host's (or CDN's, or
registrar's) abuse desk as a directory entry, and every notice to that desk cites what the desk
is responsible for.

The entry is an ordinary platform (``abuse-<holder>``), so notices, approvals, re-checks and
repeats work on it unchanged; its ``notes`` say routing found it and from which registry
answer. ``routing_desks`` records, per site, what the desk answers for (the IP address it hosts,
the domain it registered) and from when; :func:`responsibilities` reads it back when a notice
is rendered, repeats included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.notices.errors import PlatformError
from haechi.notices.model import NoticeItem
from haechi.notices.platforms import Platform, PlatformKind, host_of
from haechi.routing.errors import RoutingError
from haechi.routing.model import Role, Route
from haechi.routing.router import Router
from haechi.store.database import Database
from haechi.store.notices import PlatformStore
from haechi.store.routing_models import RoutingDeskRow

ABUSE_ROLES = (Role.CDN, Role.HOST, Role.REGISTRAR)


def desk_name(title: str) -> str:
    """The directory name of an abuse desk: ``abuse-cloudflare-inc``."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "desk"
    return f"abuse-{slug}"[:60].rstrip("-")


def adopt(session: Session, route: Route, now: datetime) -> Platform | None:
    """The directory entry of the route's channel when it is an abuse desk with an e-mail
    address: created, or given the route's host as one more domain. ``None`` otherwise."""
    desk = route.channel
    if desk is None or desk.role not in ABUSE_ROLES or not desk.email:
        return None
    store = PlatformStore(session)
    name = desk_name(desk.name)
    try:
        known: tuple[str, ...] = store.get(name).domains
    except PlatformError:
        known = ()
    platform = Platform(
        name=name,
        title=desk.name,
        domains=tuple(dict.fromkeys((*known, route.host))),
        language=desk.language,
        kind=PlatformKind.HOST,
        country=desk.country or "ZZ",  # ZZ: unknown (user-assigned ISO code)
        email=desk.email,
        notes=f"abuse desk found by routing ({desk.role.value}); source: {desk.source}",
    )
    store.save([platform], now)
    row = session.scalar(
        select(RoutingDeskRow).where(
            RoutingDeskRow.platform == name, RoutingDeskRow.domain == route.host
        )
    )
    if row is None:
        row = RoutingDeskRow(platform=name, domain=route.host)
        session.add(row)
    row.role, row.resource = desk.role.value, desk.responsible_for
    row.source, row.checked_at = desk.source, route.checked_at
    return platform


def desk_for(db: Database, router: Router, urls: Iterable[str | None]) -> Platform | None:
    """Route the first http(s) URL of a hit that routes to an abuse desk, and adopt that desk."""
    for url in urls:
        if not url or host_of(url) is None:
            continue
        try:
            route = router.route(url)
        except RoutingError:
            continue
        with db.session() as session:
            platform = adopt(session, route, router.clock())
        if platform is not None:
            return platform
    return None


def responsibilities(
    session: Session, platform: str, items: Sequence[NoticeItem]
) -> list[dict[str, Any]]:
    """What ``platform`` answers for among the sites of ``items`` (empty for a site's own
    desk): role, domain, resource and the date of the registry data."""
    hosts = {h for i in items for u in (i.url, i.page_url) if u for h in [host_of(u)] if h}
    rows = session.scalars(
        select(RoutingDeskRow)
        .where(RoutingDeskRow.platform == platform)
        .order_by(RoutingDeskRow.domain)
    )
    return [
        {"role": r.role, "domain": r.domain, "resource": r.resource, "checked_at": r.checked_at}
        for r in rows
        if r.domain in hosts
    ]
