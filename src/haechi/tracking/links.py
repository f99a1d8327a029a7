"""Uploader and channel links: which accounts carried the same content, with the evidence.

Two accounts are linked when they carried the same item in different places: a sighting the
one had no part in and a sighting the other had no part in, of the same item. An item is the
registered content: hits of the same bank entry, or of the same file (SHA-256), are one item.
So a channel and its own poster are not linked by the poster's posts (they share the same
sightings), while two channels that both posted an item are, and so is a poster who took it to
a second channel with the first. A forward is a link of its own: the room a copy was forwarded
into and the origin it names.

Each link carries its evidence per item: the entries (ids only), the hits on each side, the
capture ids that preserve them and when each side had it, so a police officer can check every
claim in the sealed captures. Clusters are the connected groups of linked accounts, with the
items they share and how close in time they carried them: "these five channels re-posted the
same twelve items within a day of each other".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import combinations
from typing import Any

from haechi.store.database import Database
from haechi.tracking.accounts import Account, Carriers, carrier_key, carriers
from haechi.tracking.sightings import CountryLookup, Sighting


class LinkKind(StrEnum):
    SHARED = "shared"  # both carried the same item, in different places
    FORWARDED = "forwarded"  # copies in one were forwarded from the other
    SAME_NETWORK = "same-network"  # two sites or file hosts served from one IP network


@dataclass(frozen=True)
class ItemEvidence:
    """What one item shows about one link: the hits and captures on each side, and when."""

    item: int  # the item's smallest entry id
    entries: tuple[int, ...]
    hits_a: tuple[int, ...]
    hits_b: tuple[int, ...]
    captures: tuple[str, ...]
    first_a: datetime
    first_b: datetime

    @property
    def gap_hours(self) -> float:
        """Hours between the two sides' first copies."""
        return abs((self.first_b - self.first_a).total_seconds()) / 3600

    def as_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "entries": list(self.entries),
            "hits_a": list(self.hits_a),
            "hits_b": list(self.hits_b),
            "captures": list(self.captures),
            "first_a": self.first_a.isoformat(),
            "first_b": self.first_b.isoformat(),
            "gap_hours": round(self.gap_hours, 3),
        }


@dataclass(frozen=True)
class NetworkEvidence:
    """Why two hosts share a network: the network the registry named for each host's address,
    from the routes kept in ``routing_lookups`` (when each was found, and the registry's URL)."""

    network: str  # the CIDR, else the registry's handle
    name: str | None
    org: str | None
    addresses_a: tuple[str, ...]
    addresses_b: tuple[str, ...]
    routed_a: datetime
    routed_b: datetime
    source: str

    def as_json(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "name": self.name,
            "org": self.org,
            "addresses_a": list(self.addresses_a),
            "addresses_b": list(self.addresses_b),
            "routed_a": self.routed_a.isoformat(),
            "routed_b": self.routed_b.isoformat(),
            "source": self.source,
        }


@dataclass(frozen=True)
class Link:
    """Two accounts (``a`` before ``b`` by key) and the items that tie them (or, for
    :attr:`LinkKind.SAME_NETWORK`, the routing records that put both on one network)."""

    a: Account
    b: Account
    kind: LinkKind
    evidence: tuple[ItemEvidence, ...]
    network: NetworkEvidence | None = None

    @property
    def items(self) -> tuple[int, ...]:
        return tuple(e.item for e in self.evidence)

    def as_json(self) -> dict[str, Any]:
        return {
            "a": self.a.key,
            "b": self.b.key,
            "kind": self.kind.value,
            "items": len(self.evidence),
            "evidence": [e.as_json() for e in self.evidence],
            **({"network": self.network.as_json()} if self.network else {}),
        }


@dataclass(frozen=True)
class Cluster:
    """A connected group of linked accounts, the items two or more of them carried, and the
    longest time between the first and last of them to carry any one of those items."""

    accounts: tuple[Account, ...]
    items: tuple[int, ...]
    window_hours: float
    first_at: datetime
    last_at: datetime

    def summary(self) -> str:
        """The sentence for people."""
        return (
            f"{len(self.accounts)} accounts carried the same {len(self.items)} items "
            f"within {self.window_hours:.1f} hours of each other"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "accounts": [a.key for a in self.accounts],
            "items": list(self.items),
            "window_hours": round(self.window_hours, 3),
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "summary": self.summary(),
        }


@dataclass(frozen=True)
class LinkMap:
    """Every account met, the links between them and their clusters."""

    accounts: tuple[Account, ...]
    links: tuple[Link, ...]
    clusters: tuple[Cluster, ...]
    generated_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form for the police: ids, handles and evidence ids; no victim's
        data (entries by id, no bank name, label or case)."""
        linked = {k for link in self.links for k in (link.a.key, link.b.key)}
        return {
            "format": "haechi-links/v1",
            "generated_at": self.generated_at.isoformat(),
            "accounts": [a.as_json() for a in self.accounts if a.key in linked],
            "links": [link.as_json() for link in self.links],
            "clusters": [c.as_json() for c in self.clusters],
        }


def _items(sightings: Sequence[Sighting]) -> dict[int, tuple[int, tuple[int, ...]]]:
    """Hit id -> (item id, its entries): hits joined by the same entry or the same SHA-256."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s in sightings:
        a, b = find(f"e{s.entry_id}"), find(f"s{s.sha256}")
        if a != b:
            parent[b] = a
    groups: dict[str, set[int]] = defaultdict(set)
    for s in sightings:
        groups[find(f"e{s.entry_id}")].add(s.entry_id)
    out = {}
    for s in sightings:
        entries = tuple(sorted(groups[find(f"e{s.entry_id}")]))
        out[s.hit_id] = (entries[0], entries)
    return out


def _captures(sightings: Iterable[Sighting]) -> tuple[str, ...]:
    return tuple(sorted({c.id for s in sightings for c in s.captures}))


@dataclass(frozen=True)
class _Side:
    """One account's sightings of one item, summed up once for all its pairs."""

    ids: frozenset[int]
    sorted: tuple[int, ...]
    captures: frozenset[str]
    first: datetime

    @classmethod
    def of(cls, these: Sequence[Sighting]) -> _Side:
        ids = frozenset(s.hit_id for s in these)
        captures = frozenset(c.id for s in these for c in s.captures)
        return cls(ids, tuple(sorted(ids)), captures, min(s.seen_at for s in these))

    def captures_with(self, other: _Side) -> tuple[str, ...]:
        """Both sides' capture ids, sorted (most pairs have none on one side or both)."""
        if not self.captures or not other.captures:
            return tuple(sorted(self.captures or other.captures))
        return tuple(sorted(self.captures | other.captures))


def _close(a: Sequence[Sighting], b: Sequence[Sighting], within: timedelta | None) -> bool:
    if within is None:
        return True
    return any(abs(x.seen_at - y.seen_at) <= within for x in a for y in b)


def find_links(
    sightings: Sequence[Sighting],
    now: datetime,
    within: timedelta | None = None,
    known: Mapping[str, Account] | None = None,
) -> LinkMap:
    """The links among the accounts of these sightings (``within``: only copies that close).

    ``known``: every account met elsewhere, by key, in the order first met; a caller that
    hands in only the sightings of items two or more accounts carried (whole items) gets the
    same map as from every sighting (:mod:`~.linkscan`).
    """
    item_of = _items(sightings)
    memo: dict[tuple[Any, ...], Carriers] = {}
    who = {}
    for s in sightings:
        key = carrier_key(s)
        known_c = memo.get(key)
        who[s.hit_id] = known_c if known_c is not None else memo.setdefault(key, carriers(s))
    accounts: dict[str, Account] = dict(known or {})
    # item -> account key -> sightings it carried
    carried: dict[int, dict[str, list[Sighting]]] = defaultdict(lambda: defaultdict(list))
    forwards: dict[tuple[str, str], list[Sighting]] = defaultdict(list)  # (origin, room)
    for s in sightings:
        c = who[s.hit_id]
        # The origin of a forward had the item too (when is not known: the copy's time).
        for account in (*c.accounts, *((c.origin,) if c.origin else ())):
            accounts.setdefault(account.key, account)
            carried[item_of[s.hit_id][0]][account.key].append(s)
        if c.origin is not None and c.room is not None:
            forwards[(c.origin.key, c.room.key)].append(s)
    evidence: dict[tuple[str, str], list[ItemEvidence]] = defaultdict(list)
    for item in sorted(carried):
        by_account = carried[item]
        sides = {key: _Side.of(these) for key, these in by_account.items()}
        entries = item_of[by_account[next(iter(by_account))][0].hit_id][1]  # the item's
        for ka, kb in combinations(sorted(by_account), 2):
            a, b = sides[ka], sides[kb]
            if a.ids.isdisjoint(b.ids):  # most pairs: different places
                only_a, only_b = by_account[ka], by_account[kb]
                if not _close(only_a, only_b, within):
                    continue
                shown = ItemEvidence(
                    item, entries, a.sorted, b.sorted, a.captures_with(b), a.first, b.first,
                )  # fmt: skip
            else:  # a room and its poster share sightings: only the others count
                only_a = [s for s in by_account[ka] if s.hit_id not in b.ids]
                only_b = [s for s in by_account[kb] if s.hit_id not in a.ids]
                if not only_a or not only_b or not _close(only_a, only_b, within):
                    continue
                shown = ItemEvidence(
                    item, entries, tuple(sorted(a.ids - b.ids)), tuple(sorted(b.ids - a.ids)),
                    _captures(only_a + only_b), min(s.seen_at for s in only_a),
                    min(s.seen_at for s in only_b),
                )  # fmt: skip
            evidence[(ka, kb)].append(shown)
    links = [
        Link(accounts[ka], accounts[kb], LinkKind.SHARED, tuple(found))
        for (ka, kb), found in sorted(evidence.items())
    ]
    for (origin, room), copies in sorted(forwards.items()):
        per_item: dict[int, list[Sighting]] = defaultdict(list)
        for s in copies:
            per_item[item_of[s.hit_id][0]].append(s)
        ka, kb = sorted((origin, room))
        found = []
        for item, these in sorted(per_item.items()):
            entries = tuple(sorted({e for s in these for e in item_of[s.hit_id][1]}))
            hits = tuple(sorted(s.hit_id for s in these))
            first = min(s.seen_at for s in these)
            a_side, b_side = (hits, ()) if ka == room else ((), hits)  # the copies are the room's
            found.append(
                ItemEvidence(item, entries, a_side, b_side, _captures(these), first, first)
            )
        links.append(Link(accounts[ka], accounts[kb], LinkKind.FORWARDED, tuple(found)))
    links.sort(key=lambda link: (link.a.key, link.b.key, link.kind.value))
    ordered = tuple(sorted(accounts.values(), key=lambda a: a.key))
    return LinkMap(ordered, tuple(links), _clusters(links, carried), now)


def _clusters(
    links: Sequence[Link], carried: dict[int, dict[str, list[Sighting]]]
) -> tuple[Cluster, ...]:
    neighbours: dict[str, set[str]] = defaultdict(set)
    by_key: dict[str, Account] = {}
    for link in links:
        neighbours[link.a.key].add(link.b.key)
        neighbours[link.b.key].add(link.a.key)
        by_key[link.a.key], by_key[link.b.key] = link.a, link.b
    group_of: dict[str, int] = {}
    groups: list[set[str]] = []
    for start in sorted(neighbours):
        if start in group_of:
            continue
        group, todo = set(), [start]
        while todo:
            key = todo.pop()
            if key in group:
                continue
            group.add(key)
            todo.extend(neighbours[key] - group)
        for key in group:
            group_of[key] = len(groups)
        groups.append(group)
    items: list[list[int]] = [[] for _ in groups]
    spans: list[list[float]] = [[] for _ in groups]
    times: list[list[datetime]] = [[] for _ in groups]
    for item in sorted(carried):  # one pass over the items for every group
        firsts: dict[int, list[datetime]] = defaultdict(list)
        for key, sightings in carried[item].items():
            if key in group_of:
                firsts[group_of[key]].append(min(s.seen_at for s in sightings))
        for g, these in firsts.items():
            if len(these) >= 2:
                items[g].append(item)
                spans[g].append((max(these) - min(these)).total_seconds() / 3600)
                times[g] += these
    out = [
        Cluster(
            tuple(by_key[k] for k in sorted(group)), tuple(items[g]), max(spans[g]),
            min(times[g]), max(times[g]),
        )
        for g, group in enumerate(groups)
        if times[g]
    ]  # fmt: skip
    out.sort(key=lambda c: (-len(c.accounts), -len(c.items), c.accounts[0].key))
    return tuple(out)


def link_map(
    db: Database,
    now: datetime,
    within: timedelta | None = None,
    locate: CountryLookup | None = None,
) -> LinkMap:
    """The links among every account that carried a hit (``locate`` is not needed: links do
    not depend on countries; kept for callers). Computed by :mod:`~.linkscan` and kept until
    the hits, their ids or captures change."""
    from haechi.tracking.linkscan import cached_link_map

    return cached_link_map(db, now, within)
