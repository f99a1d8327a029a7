"""Sites behind one network: page domains and file hosts linked when the routes haechi kept
for them (``haechi route``, the hit page's "who can act" box) put their addresses in the same
IP network, as the regional registry records it.

Nothing is looked up here: only routes already kept in ``routing_lookups`` are read, so the
link map stays a view over what the database holds. A route through a CDN says nothing about
the host behind it (many unrelated sites share a CDN's network) and a private address was never
looked up: neither links anything. Two accounts of the same host (its pages and its files) are
not linked to each other.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haechi.store.routing_models import RoutingLookupRow
from haechi.tracking.accounts import Account, AccountKind
from haechi.tracking.links import Link, LinkKind, NetworkEvidence

ROUTE = "route"  # haechi.routing.saved.KIND: a kept route, keyed by host
_KINDS = (AccountKind.SITE, AccountKind.HOST)


@dataclass(frozen=True)
class _Hosted:
    account: Account
    host: str
    network: str
    name: str | None
    org: str | None
    addresses: tuple[str, ...]
    routed_at: datetime
    source: str


def _hosted(account: Account, host: str, route: dict[str, Any], at: datetime) -> _Hosted | None:
    network = route.get("network") or None
    if route.get("cdn") or route.get("private") or not isinstance(network, dict):
        return None
    ident = network.get("cidr") or network.get("handle")
    if not ident:
        return None
    addresses = tuple(str(a) for a in route.get("addresses") or ())
    return _Hosted(
        account, host, str(ident), network.get("name"), network.get("org"), addresses, at,
        str(network.get("source") or ""),
    )  # fmt: skip


def routes_version(session: Session) -> tuple[Any, ...]:
    """Count and last change of the kept routes: the network links rest on them."""
    return tuple(
        session.execute(
            select(func.count(), func.max(RoutingLookupRow.fetched_at)).where(
                RoutingLookupRow.kind == ROUTE
            )
        ).one()
    )


def network_links(session: Session, accounts: Iterable[Account]) -> list[Link]:
    """Links between the sites and file hosts among ``accounts`` whose kept routes name the
    same network, each with the two routing records as evidence."""
    by_host: dict[str, list[Account]] = defaultdict(list)
    for account in accounts:
        if account.kind in _KINDS:
            by_host[account.key.partition(":")[2]].append(account)
    if not by_host:
        return []
    rows = session.execute(
        select(RoutingLookupRow.query, RoutingLookupRow.body, RoutingLookupRow.fetched_at).where(
            RoutingLookupRow.kind == ROUTE
        )
    )  # a few hundred hosts at most: read them all, keep those of the map
    groups: dict[str, list[_Hosted]] = defaultdict(list)
    for host, body, at in rows:
        if host not in by_host:
            continue
        try:
            route = json.loads(body)
        except ValueError:
            continue
        for account in by_host[host]:
            found = _hosted(account, host, route, at)
            if found is not None:
                groups[found.network].append(found)
    links = []
    for members in groups.values():
        for x, y in combinations(sorted(members, key=lambda h: h.account.key), 2):
            if x.host == y.host:
                continue
            evidence = NetworkEvidence(
                x.network, x.name, x.org, x.addresses, y.addresses, x.routed_at, y.routed_at,
                x.source,
            )  # fmt: skip
            links.append(Link(x.account, y.account, LinkKind.SAME_NETWORK, (), evidence))
    return links
