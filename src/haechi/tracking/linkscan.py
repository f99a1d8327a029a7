"""The link map over a whole database, fast as it grows, and kept until the data changes.

Most hits never take part in a link: an item (hits joined by a bank entry or a file's SHA-256)
only links accounts when two or more accounts carried it. So the map is made in two passes:

1. a light pass over every hit (ids, source, URLs, names; no times, captures or notices):
   which items are one (entries sharing a SHA-256, found by the database with GROUP BY on the
   indexed ``sha256`` column), every account met (the carriers of each distinct kind of
   sighting worked out once), and the items two or more accounts carried;
2. the full sightings of only those items' hits, handed to
   :func:`~haechi.tracking.links.find_links` with every account met, which gives the same map
   as from every sighting;
3. the sites and file hosts whose kept routes share a network (:mod:`~.hosting`), linked too.

The map is kept per :class:`~haechi.store.database.Database` object and given again while a
cheap version of the data it rests on (count and largest id of hits, their account ids and
captures; count and last change of the kept routes) is unchanged: hits are never edited in
place, only added or deleted.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haechi.store.database import Database
from haechi.store.models import HitCaptureRow, HitRow
from haechi.store.tracking_models import HitAccountRow
from haechi.tracking.accounts import Account, carriers
from haechi.tracking.hosting import network_links, routes_version
from haechi.tracking.links import LinkMap, find_links
from haechi.tracking.sightings import Sighting, _host, load_sightings

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the light pass reads no times: carriers need none
_KEPT = 3  # maps kept per database (one per ``within`` asked for; a map can be large)

Version = tuple[Any, ...]


def data_version(session: Session) -> Version:
    """What the link map rests on, in two cheap queries (indexes only)."""
    return tuple(
        session.execute(
            select(
                select(func.count()).select_from(HitRow).scalar_subquery(),
                select(func.max(HitRow.id)).scalar_subquery(),
                select(func.count()).select_from(HitAccountRow).scalar_subquery(),
                select(func.count()).select_from(HitCaptureRow).scalar_subquery(),
                select(func.max(HitCaptureRow.id)).scalar_subquery(),
            )
        ).one()
    ) + routes_version(session)


def entry_items(session: Session) -> dict[int, int]:
    """Entry id -> its item's smallest entry id, for entries that share a file with another.

    The database groups hits by SHA-256 (indexed) and returns only files met under two or
    more entries; joining those entries is a small union-find here.
    """
    shared = (
        select(HitRow.sha256)
        .group_by(HitRow.sha256)
        .having(func.count(func.distinct(HitRow.entry_id)) > 1)
        .subquery()
    )
    rows = session.execute(
        select(HitRow.sha256, HitRow.entry_id)
        .where(HitRow.sha256.in_(select(shared.c.sha256)))
        .distinct()
    )
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[str, int] = {}
    for sha, entry in rows:
        other = first.setdefault(sha, entry)
        a, b = find(other), find(entry)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the root is the smallest entry
    return {entry: find(entry) for entry in parent}


_LIGHT = (
    HitRow.id, HitRow.entry_id, HitRow.location, HitRow.found_in, HitRow.source_kind,
    HitRow.container, HitRow.poster, HitRow.forwarded_from, HitAccountRow.container_id,
    HitAccountRow.poster_id, HitAccountRow.forwarded_from_id,
)  # fmt: skip


@dataclass(frozen=True)
class Scan:
    """What the light pass found: every account met, and the hits worth a full look."""

    accounts: dict[str, Account]  # by key, in the order first met
    hits: list[int]  # the hits of items two or more accounts carried


def light_pass(session: Session) -> Scan:
    """Every account met, and the hits of the items that two or more of them carried."""
    joined = entry_items(session)
    seen_at = func.coalesce(HitRow.posted_at, HitRow.found_at)
    query = (
        select(*_LIGHT)
        .outerjoin(HitAccountRow, HitAccountRow.hit_id == HitRow.id)
        .order_by(seen_at, HitRow.id)  # as the sightings are: first met is first seen
    )
    memo: dict[tuple[Any, ...], frozenset[str]] = {}  # kind of sighting -> account keys
    accounts: dict[str, Account] = {}
    keys: dict[int, set[str]] = defaultdict(set)  # item -> account keys that carried it
    hits: dict[int, list[int]] = defaultdict(list)  # item -> its hits
    for hit, entry, location, page, source, room, poster, origin, *ids in session.execute(query):
        file_host, page_host = _host(location), _host(page)
        # Everything carriers() reads but the URLs, which it reads only as hosts (and as a
        # Discord channel link: those URLs are kept whole).
        urls = (location, page) if source == "discord-export" else None
        kind = (source, room, poster, origin, *ids, file_host, page_host, urls)
        found = memo.get(kind)
        if found is None:
            sighting = Sighting(
                hit, entry, "", location, page, source, _EPOCH, None, None, None, room,
                poster, origin, *ids,
            )  # fmt: skip
            c = carriers(sighting)
            met = (*c.accounts, *((c.origin,) if c.origin else ()))
            found = memo[kind] = frozenset(a.key for a in met)
            for account in met:  # in the order first met: every row of a kind meets the same
                accounts.setdefault(account.key, account)
        item = joined.get(entry, entry)
        keys[item] |= found
        hits[item].append(hit)
    wanted = [h for item, these in hits.items() if len(keys[item]) >= 2 for h in these]
    return Scan(accounts, wanted)


def compute_link_map(db: Database, now: datetime, within: timedelta | None = None) -> LinkMap:
    """The links among every account that carried a hit, in two passes (see the module)."""
    with db.session() as session:
        scan = light_pass(session)
        sightings = load_sightings(session, hit_ids=scan.hits, casework=False)
        made = find_links(sightings, now, within, known=scan.accounts)
        hosted = network_links(session, made.accounts)
    if not hosted:
        return made
    links = sorted((*made.links, *hosted), key=lambda x: (x.a.key, x.b.key, x.kind.value))
    return replace(made, links=tuple(links))


class _Kept:
    """One database's maps, by ``within``, with the version each was made at."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # guards ``maps``
        self.making = threading.Lock()  # one map made at a time: others wait and reuse it
        self.maps: OrderedDict[timedelta | None, tuple[Version, LinkMap]] = OrderedDict()

    def get(self, within: timedelta | None, version: Version) -> LinkMap | None:
        with self.lock:
            found = self.maps.get(within)
            if found is None or found[0] != version:
                return None
            self.maps.move_to_end(within)
            return found[1]

    def put(self, within: timedelta | None, version: Version, made: LinkMap) -> None:
        with self.lock:
            self.maps[within] = (version, made)
            self.maps.move_to_end(within)
            while len(self.maps) > _KEPT:
                self.maps.popitem(last=False)


_kept: weakref.WeakKeyDictionary[Database, _Kept] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def _version(db: Database) -> Version:
    with db.session() as session:
        return data_version(session)


def cached_link_map(db: Database, now: datetime, within: timedelta | None = None) -> LinkMap:
    """:func:`compute_link_map`, given again (with ``now``) while the data is unchanged.

    Requests that arrive while a map is being made wait for it rather than make it again."""
    with _kept_lock:
        kept = _kept.setdefault(db, _Kept())
    found = kept.get(within, _version(db))
    if found is not None:
        return replace(found, generated_at=now)
    with kept.making:
        version = _version(db)
        found = kept.get(within, version)  # made by the request this one waited for
        if found is not None:
            return replace(found, generated_at=now)
        made = compute_link_map(db, now, within)
        if _version(db) == version:  # else changed meanwhile: correct, but not kept
            kept.put(within, version, made)
    return made
