"""The two-pass link map over a whole database gives exactly the map of every sighting, and
is kept only while the hits and their captures are unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from haechi.store.database import Database
from haechi.store.models import HitRow
from haechi.testkit.hits import bulk_hits
from haechi.testkit.links import cross_links
from haechi.tracking.exports import to_graphml
from haechi.tracking.graph_chart import links_svg
from haechi.tracking.links import LinkMap, find_links, link_map
from haechi.tracking.linkscan import compute_link_map
from haechi.tracking.sightings import load_sightings

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _every_sighting(db: Database) -> LinkMap:
    """The map the former way: every sighting read in full, then linked."""
    with db.session() as session:
        return find_links(load_sightings(session), NOW)


def test_two_passes_equal_every_sighting_and_the_map_is_kept_until_hits_change(
    db: Database,
) -> None:
    bulk_hits(db, 900, 20, NOW)
    cross_links(db)
    fast = compute_link_map(db, NOW)
    reference = _every_sighting(db)
    assert fast.as_json() == reference.as_json() and fast.accounts == reference.accounts
    kinds = {link.kind.value for link in fast.links}
    assert kinds == {"shared", "forwarded"} and fast.clusters
    assert any(len(e.entries) > 1 for link in fast.links for e in link.evidence)

    first = link_map(db, NOW)
    assert first.as_json() == fast.as_json()
    assert link_map(db, NOW).links is first.links  # kept
    with db.session() as session:  # a copy of entry 1's file on a new board
        row = session.execute(select(HitRow).where(HitRow.id == 1)).scalar_one()
        session.execute(
            insert(HitRow),
            [{"scan_id": row.scan_id, "entry_id": row.entry_id, "signal_kind": "pdq",
              "distance": 0, "location": "https://new.example/f.jpg",
              "found_in": "https://new.example/p", "sha256": row.sha256, "found_at": NOW,
              "source_kind": "web", "evidence_state": "not-needed"}],
        )  # fmt: skip
    again = link_map(db, NOW)
    assert "site:new.example" in {link.a.key for link in again.links} | {
        link.b.key for link in again.links
    }
    assert again.as_json() == _every_sighting(db).as_json()


def test_sites_whose_kept_routes_share_a_network_are_linked(db: Database) -> None:
    from haechi.routing.model import Network, Route
    from haechi.routing.saved import keep_route

    bulk_hits(db, 300, 20, NOW)
    before = link_map(db, NOW)
    assert not [x for x in before.links if x.kind == "same-network"]

    def route(host: str, address: str, cidr: str, cdn: str | None = None) -> None:
        net = Network(address, "NET-1", "EXAMPLE-NET", cidr, "NL", "Example Hosting",
                      "abuse@example.net", "https://rdap.example/ip/" + address, NOW)  # fmt: skip
        keep_route(db, Route(f"https://{host}/", host, NOW, [address], network=net, cdn=cdn))

    route("host1.example", "203.0.113.7", "203.0.113.0/24")
    route("host2.example", "203.0.113.9", "203.0.113.0/24")
    route("host3.example", "203.0.113.11", "203.0.113.0/24", cdn="examplecdn")  # says nothing
    route("host4.example", "198.51.100.4", "198.51.100.0/24")
    after = link_map(db, NOW)  # the kept map is not given again: the routes changed
    hosted = [x for x in after.links if x.kind == "same-network"]
    assert {(x.a.key, x.b.key) for x in hosted} == {("site:host1.example", "site:host2.example")}
    [link] = hosted
    assert link.network is not None and link.evidence == ()
    assert link.as_json()["network"] == {
        "network": "203.0.113.0/24", "name": "EXAMPLE-NET", "org": "Example Hosting",
        "addresses_a": ["203.0.113.7"], "addresses_b": ["203.0.113.9"],
        "routed_a": NOW.isoformat(), "routed_b": NOW.isoformat(),
        "source": "https://rdap.example/ip/203.0.113.7",
    }  # fmt: skip
    assert [x for x in after.links if x.kind != "same-network"] == list(before.links)
    graphml = to_graphml(after)
    assert (
        '<data key="d8">203.0.113.0/24 EXAMPLE-NET (https://rdap.example/ip/203.0.113.7)' in graphml
    )
    assert "same network 203.0.113.0/24" in links_svg(after, lambda text: text)
