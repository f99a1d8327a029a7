"""Drafting with routing: a confirmed hit on a site no platform claims is addressed to the
abuse desk routing finds, and the notice cites what that desk is responsible for."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from haechi.notices import Decision, decide, draft_notices
from haechi.notices.model import NoticeKind
from haechi.routing import Pacer, RoutingSettings, open_router
from haechi.store.models import HitRow
from haechi.store.notices import PlatformStore
from tests.notices.world import world_on_loopback
from tests.routing.conftest import resolve
from tests.routing.rdapkit import Registry


def test_a_site_not_in_the_directory_is_sent_to_its_hosts_abuse_desk(
    tmp_path: Path, fresh_registry: Registry
) -> None:
    with world_on_loopback(tmp_path) as world:
        hit = world.hits["c"]
        # The same hit, as if found on a site abroad that has no desk of its own.
        with world.db.session() as session:
            session.execute(
                update(HitRow)
                .where(HitRow.id == hit.id)
                .values(location="https://you.tube/media/c.jpg", found_in="https://you.tube/post/3")
            )
        decide(world.desk, [hit.id], Decision.CONFIRMED, "kim")
        settings = RoutingSettings(bootstrap_url=fresh_registry.bootstrap_url)
        pacer = Pacer(0.0)
        without = draft_notices(world.desk, hit_ids=[hit.id])
        assert [h.id for h in without.unassigned] == [hit.id] and not without.notices
        with open_router(world.db, world.clock, "KR", settings, resolve, pacer) as router:
            drafted = draft_notices(world.desk, hit_ids=[hit.id], router=router)
        assert not drafted.unassigned
        (notice,) = drafted.notices
        assert notice.platform == "abuse-cloudflare-inc"
        assert notice.recipient == "abuse@cloudflare.com" and notice.kind is NoticeKind.TAKEDOWN
        assert "104.16.1.1 (network CLOUDFLARENET, 104.16.0.0/12), which serves you.tube" in (
            notice.text
        )
        assert "registration data (RDAP)" in notice.text
        with world.db.session() as session:
            desk = PlatformStore(session).get("abuse-cloudflare-inc")
        assert desk.domains == ("you.tube",) and "routing" in desk.notes
        assert desk.country == "US" and desk.language == "en"
        # The world's own platforms' notices are as before: no responsibility paragraph.
        decide(world.desk, [world.hits[k].id for k in "ad"], Decision.CONFIRMED, "kim")
        others = draft_notices(world.desk)
        assert others.notices and all("RDAP" not in n.text for n in others.notices)
