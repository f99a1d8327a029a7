"""Time of the uploader link map and of timelines with 10,000 and 100,000 hits on SQLite.

Not a test: ``python bench/tracking.py [--sizes 10000 100000] [--cases 1000]``.

For each size, two worlds in fresh homes: ``--cases`` cases (one bank entry each) and that
many hits from ``haechi.testkit.hits.bulk_hits`` as they are (every entry's copies on one
site: nothing links, but every hit is read), and the same made to link by
``haechi.testkit.links.cross_links`` (re-posts on other boards, posters, Telegram rooms and
forwards, files under two entries: most items are carried by several accounts).
Then, in one process:

- the reference: the former computation, every sighting read in full (captures, notices,
  platforms) and linked by the former ``find_links``, kept verbatim in this file (the peer);
- ``compute_link_map``: the two passes haechi uses now (light pass, SQL grouping by SHA-256,
  only the hits of items two or more accounts carried read in full); its map is checked equal
  to the reference's;
- ``link_map`` twice: the first computes and keeps the map, the second finds the data
  unchanged (one query of counts) and gives it again, as the /links page does on a repeat;
- an entry's and a case's timeline.

Prints a Markdown table (seconds, best of ``--repeat``) and the command, and writes them to
``bench/RESULTS-tracking.md``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The shortest of ``repeat`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


# --- The former computation, as it was before the two passes (commit e3a1cbb's parent). ---
from collections import defaultdict  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from itertools import combinations  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))
from haechi.tracking.accounts import Account, carriers  # noqa: E402
from haechi.tracking.links import (  # noqa: E402
    Cluster,
    ItemEvidence,
    Link,
    LinkKind,
    LinkMap,
    _captures,
    _close,
    _items,
)
from haechi.tracking.sightings import Sighting  # noqa: E402


def reference_find_links(
    sightings: Sequence[Sighting], now: datetime, within: timedelta | None = None
) -> LinkMap:
    """The former ``find_links``, verbatim (the peer)."""
    item_of = _items(sightings)
    who = {s.hit_id: carriers(s) for s in sightings}
    accounts: dict[str, Account] = {}
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
        for ka, kb in combinations(sorted(by_account), 2):
            ids_a = {s.hit_id for s in by_account[ka]}
            ids_b = {s.hit_id for s in by_account[kb]}
            only_a = [s for s in by_account[ka] if s.hit_id not in ids_b]
            only_b = [s for s in by_account[kb] if s.hit_id not in ids_a]
            if not only_a or not only_b or not _close(only_a, only_b, within):
                continue
            entries = tuple(sorted({e for s in only_a + only_b for e in item_of[s.hit_id][1]}))
            evidence[(ka, kb)].append(
                ItemEvidence(
                    item, entries, tuple(sorted(ids_a - ids_b)), tuple(sorted(ids_b - ids_a)),
                    _captures(only_a + only_b), min(s.seen_at for s in only_a),
                    min(s.seen_at for s in only_b),
                )
            )  # fmt: skip
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
    return LinkMap(ordered, tuple(links), _reference_clusters(links, carried), now)


def _reference_clusters(
    links: Sequence[Link], carried: dict[int, dict[str, list[Sighting]]]
) -> tuple[Cluster, ...]:
    neighbours: dict[str, set[str]] = defaultdict(set)
    by_key: dict[str, Account] = {}
    for link in links:
        neighbours[link.a.key].add(link.b.key)
        neighbours[link.b.key].add(link.a.key)
        by_key[link.a.key], by_key[link.b.key] = link.a, link.b
    seen: set[str] = set()
    out = []
    for start in sorted(neighbours):
        if start in seen:
            continue
        group, todo = set(), [start]
        while todo:
            key = todo.pop()
            if key in group:
                continue
            group.add(key)
            todo.extend(neighbours[key] - group)
        seen |= group
        items, spans, times = [], [], []
        for item in sorted(carried):
            firsts = [
                min(s.seen_at for s in sightings)
                for key, sightings in carried[item].items()
                if key in group
            ]
            if len(firsts) >= 2:
                items.append(item)
                spans.append((max(firsts) - min(firsts)).total_seconds() / 3600)
                times += firsts
        if not times:
            continue
        out.append(
            Cluster(
                tuple(by_key[k] for k in sorted(group)), tuple(items), max(spans),
                min(times), max(times),
            )
        )  # fmt: skip
    out.sort(key=lambda c: (-len(c.accounts), -len(c.items), c.accounts[0].key))
    return tuple(out)


def reference_link_map(db: Any, now: Any) -> Any:
    """The former computation: every sighting in full (captures, notices, platforms), then
    linked by the former ``find_links`` (the peer)."""
    from haechi.tracking.sightings import load_sightings

    with db.session() as session:
        sightings = load_sightings(session)
    return reference_find_links(sightings, now)


def run(size: int, cases: int, repeat: int, linked: bool) -> dict[str, Any]:
    from haechi.settings import Settings
    from haechi.store.database import open_database
    from haechi.store.models import utcnow
    from haechi.testkit.hits import bulk_hits
    from haechi.testkit.links import cross_links
    from haechi.tracking.links import link_map
    from haechi.tracking.linkscan import _kept, compute_link_map
    from haechi.tracking.timeline import case_timeline, entry_timeline

    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Settings(home=Path(folder) / "home"))
        now = utcnow()
        bulk_hits(db, size, cases, now)
        if linked:
            cross_links(db)
        ref_s, ref = best(lambda: reference_link_map(db, now), repeat)
        new_s, new = best(lambda: compute_link_map(db, now), repeat)
        if new.as_json() != ref.as_json() or new.accounts != ref.accounts:
            raise SystemExit(f"{size}: the two-pass map differs from the reference")

        def first_view() -> Any:
            _kept.pop(db, None)  # nothing kept: the first /links after a change
            return link_map(db, now)

        first_s, _ = best(first_view, repeat)
        again_s, _ = best(lambda: link_map(db, now), max(repeat, 5))
        entry_s, entry = best(lambda: entry_timeline(db, 1), repeat)
        case_s, _ = best(lambda: case_timeline(db, "C-00001"), repeat)
        db.close()
    return {
        "world": "linked" if linked else "bulk_hits only",
        "hits": size,
        "links": len(new.links),
        "clusters": len(new.clusters),
        "reference": ref_s,
        "two-pass": new_s,
        "first view": first_s,
        "repeat view": again_s,
        "entry timeline": entry_s,
        "entry sightings": len(entry.sightings),
        "case timeline": case_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    rows = [
        run(size, args.cases, args.repeat, linked)
        for linked in (False, True)
        for size in args.sizes
    ]
    command = "python bench/tracking.py " + " ".join(sys.argv[1:])
    lines = [
        f"`{command.strip()}` on {platform.machine()}, Python {platform.python_version()}, "
        "SQLite; seconds, best of the runs; maps checked equal to the reference's.",
        "",
        "| world | hits | links | clusters | reference (former) | two-pass | /links first view "
        "| /links repeat | entry timeline | case timeline |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['world']} | {r['hits']:,} | {r['links']:,} | {r['clusters']} "
            f"| {r['reference']:.2f} "
            f"| {r['two-pass']:.2f} | {r['first view']:.2f} | {r['repeat view']:.4f} "
            f"| {r['entry timeline']:.3f} ({r['entry sightings']} sightings) "
            f"| {r['case timeline']:.3f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "bench" / "RESULTS-tracking.md").write_text(
        "# Tracking: link map and timelines\n\n" + text, encoding="utf-8"
    )


if __name__ == "__main__":
    main()
