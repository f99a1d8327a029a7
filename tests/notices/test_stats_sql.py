"""Platform statistics counted by SQL give exactly the figures of the former Python loop.

The oracle below is the earlier implementation (every notice and hit loaded and walked), kept
here only to pin that moving the counting into ``GROUP BY`` queries changed no figure.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from haechi.notices.drafting import platform_of
from haechi.notices.model import Decision, NoticeKind, NoticeStatus
from haechi.notices.platforms import PlatformKind
from haechi.notices.review import decide
from haechi.notices.stats import PlatformStats, percentile, platform_stats
from haechi.store.notices import NoticeStore, PlatformStore, ReviewStore
from tests.transparency.world import World, at, scripted_world


def python_stats(world: World) -> list[PlatformStats]:
    """The former implementation, verbatim in substance."""
    kinds = (NoticeKind.TAKEDOWN, NoticeKind.REPEAT)
    with world.db.session() as session:
        notices = [
            n
            for n in NoticeStore(session).find(kinds=kinds)
            if n.sent_at is not None and n.status is not NoticeStatus.DISCARDED
        ]
        platforms = {p.name: p for p in PlatformStore(session).all()}
        directory = PlatformStore(session).directory()
        reviews = ReviewStore(session)
        reported_hits = reviews.hits({i.hit_id for n in notices for i in n.items})
        later_ids = reviews.hit_ids_of_entries({h.entry for h in reported_hits})
        rejected = {h for h, d in reviews.decisions(later_ids).items() if d is Decision.REJECTED}
        later_hits = reviews.hits(h for h in later_ids if h not in rejected)
    out = []
    for name in sorted({n.platform for n in notices}):
        if platforms[name].kind is not PlatformKind.HOST:
            continue
        sent = [n for n in notices if n.platform == name]
        first_sent: dict[int, datetime] = {}
        removed: dict[int, datetime] = {}
        for notice in sent:
            assert notice.sent_at is not None
            for item in notice.items:
                if item.hit_id not in first_sent or notice.sent_at < first_sent[item.hit_id]:
                    first_sent[item.hit_id] = notice.sent_at
                if item.removed_at is not None:
                    removed[item.hit_id] = min(
                        removed.get(item.hit_id, item.removed_at), item.removed_at
                    )
        hours = [max(0.0, (removed[h] - first_sent[h]).total_seconds() / 3600) for h in removed]
        by_id = {h.id: h for h in reported_hits}
        reuploads = set()
        for hit_id, gone in removed.items():
            for later in later_hits:
                if later.entry != by_id[hit_id].entry or later.id == hit_id:
                    continue
                if later.found_at <= gone:
                    continue
                owner = platform_of(directory, later)
                if owner is not None and owner.name == name:
                    reuploads.add(later.id)
        out.append(
            PlatformStats(
                name,
                len(sent),
                len(first_sent),
                len(removed),
                statistics.median(hours) if hours else None,
                percentile(hours, 90) if hours else None,
                len(reuploads),
            )
        )
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with scripted_world(Path(tmp_path_factory.mktemp("stats"))) as built:
        yield built


def test_sql_figures_equal_the_python_loop(world: World) -> None:
    assert platform_stats(world.desk) == python_stats(world)
    assert any(s.reuploads for s in platform_stats(world.desk))


def test_rejected_and_early_copies_are_not_reuploads(world: World) -> None:
    """A later copy rejected as a false match, or found before the removal, does not count."""
    before = {s.platform: s.reuploads for s in platform_stats(world.desk)}
    sent = at("2026-12-01")
    notice_hit = world.hit("vidhub", sent - timedelta(days=1))
    world.notify([notice_hit], sent)
    world.removed(notice_hit, sent + timedelta(hours=5))
    early = world.hit("vidhub", sent + timedelta(hours=1), entry=notice_hit.entry)
    rejected = world.hit("vidhub", sent + timedelta(days=2), entry=notice_hit.entry)
    counted = world.hit("vidhub", sent + timedelta(days=3), entry=notice_hit.entry)
    elsewhere = world.hit("picshare", sent + timedelta(days=3), entry=notice_hit.entry)
    decide(world.desk, [rejected.id], Decision.REJECTED, "reviewer-kim")
    after = {s.platform: s for s in platform_stats(world.desk)}
    assert after == {s.platform: s for s in python_stats(world)}
    assert after["vidhub"].reuploads == before["vidhub"] + 1
    # Only ``counted``: ``early`` came before the removal, ``elsewhere`` is on another
    # platform than the notice's, ``rejected`` was judged a false match.
    assert after["picshare"].reuploads == before["picshare"]
    assert len({early.id, rejected.id, counted.id, elsewhere.id}) == 4
