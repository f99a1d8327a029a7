"""Time of the uploader link map and of timelines with 10,000 and 100,000 hits on SQLite.

Not a test: ``python bench/tracking.py [--sizes 10000 100000] [--cases 1000]``.

For each size a fresh home gets ``--cases`` cases (one bank entry each) and that many hits
(``haechi.testkit.hits.bulk_hits``), made to link by ``haechi.testkit.links.cross_links``
(re-posts on other boards, posters, Telegram rooms and forwards, files under two entries).
Then, in one process:

- the reference: the former computation, every sighting read in full (captures, notices,
  platforms) and linked in Python (``find_links(load_sightings(...))``), kept here as the peer;
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


def reference_link_map(db: Any, now: Any) -> Any:
    """The former computation: every sighting in full, then linked (the peer)."""
    from haechi.tracking.links import find_links
    from haechi.tracking.sightings import load_sightings

    with db.session() as session:
        sightings = load_sightings(session)
    return find_links(sightings, now)


def run(size: int, cases: int, repeat: int) -> dict[str, Any]:
    from haechi.settings import Settings
    from haechi.store.database import open_database
    from haechi.store.models import utcnow
    from haechi.testkit.hits import bulk_hits
    from haechi.testkit.links import cross_links
    from haechi.tracking.linkscan import _kept, compute_link_map
    from haechi.tracking.links import link_map
    from haechi.tracking.timeline import case_timeline, entry_timeline

    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Settings(home=Path(folder) / "home"))
        now = utcnow()
        bulk_hits(db, size, cases, now)
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
    rows = [run(size, args.cases, args.repeat) for size in args.sizes]
    command = "python bench/tracking.py " + " ".join(sys.argv[1:])
    lines = [
        f"`{command.strip()}` on {platform.machine()}, Python {platform.python_version()}, "
        "SQLite; seconds, best of the runs; maps checked equal to the reference's.",
        "",
        "| hits | links | clusters | reference (former) | two-pass | /links first view "
        "| /links repeat | entry timeline | case timeline |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['hits']:,} | {r['links']:,} | {r['clusters']} | {r['reference']:.2f} "
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
