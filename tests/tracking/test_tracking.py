"""Timelines and links from the scripted world (tests/tracking/world.py), checked exactly,
through the services and the ``haechi timeline`` / ``haechi links`` commands."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from haechi.cli import app
from haechi.store.models import HitCaptureRow
from haechi.tracking import NotTracked, case_timeline, entry_timeline, link_map, timeline_of
from tests.tracking.world import CASE, T0, World

runner = CliRunner()


def _hours(moment: object) -> float:
    from datetime import datetime

    assert isinstance(moment, datetime)
    return (moment - T0).total_seconds() / 3600


def _capture(world: World, hit: int) -> str:
    with world.db.session() as session:
        rows = session.query(HitCaptureRow).filter_by(hit_id=hit).all()
    [row] = rows
    return row.capture_id


def test_entry_timeline_follows_the_item_across_platforms(world: World) -> None:
    h = world.hits
    timeline = entry_timeline(world.db, 1)
    got = [
        (_hours(e.at), e.kind.value, e.hit_id, e.platform, e.country, e.ref, e.after_removal)
        for e in timeline.events
    ]
    assert got == [
        (0, "first-seen", h["A-web"], "local-portal", "KR", None, False),
        (0, "captured", h["A-web"], "local-portal", "KR", _capture(world, h["A-web"]), False),
        (1, "reported", h["A-web"], "local-portal", "KR", str(world.notice), False),
        (24, "removed", h["A-web"], "local-portal", "KR", None, False),
        (35, "seen-again", h["A-777"], "telegram", "AE", None, True),
        (37, "seen-again", h["A-888"], "telegram", "AE", None, True),
        (48, "captured", h["A-777"], "telegram", "AE", _capture(world, h["A-777"]), False),
        (48, "captured", h["A-888"], "telegram", "AE", _capture(world, h["A-888"]), False),
        (49, "seen-again", h["A-dc"], "discord", "US", None, True),
        (72, "captured", h["A-dc"], "discord", "US", _capture(world, h["A-dc"]), False),
    ]
    assert timeline.platforms == ["local-portal", "telegram", "discord"]
    assert timeline.events[3].detail == "HTTP 404"
    doc = timeline.as_json()
    assert doc["entry"] == 1 and doc["countries"] == ["AE", "KR", "US"]
    assert [s["hit"] for s in doc["sightings"]] == [h["A-web"], h["A-777"], h["A-888"], h["A-dc"]]
    assert [s["after_removal"] for s in doc["sightings"]] == [False, True, True, True]
    assert doc["sightings"][0]["removed_at"] == (T0 + timedelta(days=1)).isoformat()
    only = timeline.only("telegram")
    assert {e.hit_id for e in only.events} == {h["A-777"], h["A-888"]}


def test_case_timeline_is_her_entries_without_her_labels(world: World) -> None:
    h = world.hits
    timeline = case_timeline(world.db, CASE)
    assert timeline.entries == (1, 2)
    expected = [h["B-web"], h["A-web"], h["A-777"], h["A-888"], h["A-dc"]]
    assert [s.hit_id for s in timeline.sightings] == expected
    b = next(s for s in timeline.sightings if s.hit_id == h["B-web"])
    assert (b.platform, b.country, b.host, b.media_host) == (
        "local-host",
        "US",
        "127.0.0.1",
        "localhost",
    )
    text = json.dumps(timeline.as_json())
    assert "victims" not in text and "label" not in text  # no bank name, no labels
    assert timeline_of(world.db, CASE).key == CASE and timeline_of(world.db, "3").key == "3"
    with pytest.raises(NotTracked, match="no bank entry or case 99"):
        timeline_of(world.db, "99")
    with pytest.raises(NotTracked, match="no case"):
        timeline_of(world.db, "NO-SUCH-1")


def test_links_tie_the_channels_that_carried_the_same_items(world: World) -> None:
    h = world.hits
    links = link_map(world.db, world.clock())
    got = {(x.a.key, x.b.key, x.kind.value, x.items) for x in links.links}
    d_side = ("discord-channel:5151", "discord-server:4242", "discord-user:99")
    expected = {
        ("discord-channel:5151", "discord-channel:6161", "forwarded", (3,)),
        ("telegram-chat:777", "telegram-chat:888", "forwarded", (1, 3)),
        ("discord-channel:6161", "telegram-chat:777", "shared", (3,)),
        ("discord-channel:6161", "telegram-chat:888", "shared", (3,)),
        ("site:127.0.0.1", "telegram-chat:777", "shared", (1,)),
        ("site:127.0.0.1", "telegram-chat:888", "shared", (1,)),
    }
    for d in d_side:
        expected |= {
            (d, "site:127.0.0.1", "shared", (1,)),
            (d, "telegram-chat:777", "shared", (1, 3)),
            (d, "telegram-chat:888", "shared", (1, 3)),
        }
    assert got == expected
    # A channel and its own posts, or a server and its channel, are no link by themselves.
    forward = next(
        x for x in links.links if x.b.key == "telegram-chat:888" and x.kind == "forwarded"
    )
    assert forward.a.label == "leak room" and forward.b.label == "mirror"
    assert [(e.item, e.hits_a, e.hits_b) for e in forward.evidence] == [
        (1, (), (h["A-888"],)),
        (3, (), (h["C-888"],)),
    ]
    shared = next(
        x for x in links.links if (x.a.key, x.b.key) == ("discord-user:99", "telegram-chat:777")
    )
    [a_item, c_item] = shared.evidence
    assert (a_item.entries, a_item.hits_a, a_item.hits_b) == (
        (1,),
        (h["A-dc"],),
        (h["A-777"], h["A-888"]),
    )
    assert a_item.captures == tuple(
        sorted(_capture(world, x) for x in (h["A-dc"], h["A-777"], h["A-888"]))
    )
    assert (_hours(a_item.first_a), _hours(a_item.first_b), a_item.gap_hours) == (49, 35, 14)
    assert (c_item.item, c_item.hits_a, c_item.hits_b) == (
        3,
        (h["C-dc"],),
        (h["C-777"], h["C-888"]),
    )
    [cluster] = links.clusters
    assert (
        cluster.summary() == "7 accounts carried the same 2 items within 49.0 hours of each other"
    )

    within = link_map(world.db, world.clock(), timedelta(hours=24))
    [close] = within.clusters
    assert close.summary() == "6 accounts carried the same 2 items within 14.0 hours of each other"
    assert "site:127.0.0.1" not in {a.key for a in close.accounts}


def test_commands_print_chart_and_export(world: World, tmp_path: Path) -> None:
    home = ["--home", str(world.settings.home)]
    # The world's database, not this test's own (they differ in the PostgreSQL pass).
    env = {
        "HAECHI_EVIDENCE_SCREENSHOTS": "0",
        "HAECHI_DATABASE_URL": world.settings.resolved_database_url,
    }
    svg, png = tmp_path / "t.svg", tmp_path / "t.png"
    result = runner.invoke(
        app, [*home, "timeline", "1", "--json", "--svg", str(svg), "--png", str(png)], env=env
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout.splitlines()[0])
    assert [e["event"] for e in doc["events"]][:4] == [
        "first-seen",
        "captured",
        "reported",
        "removed",
    ]
    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    ns = "{http://www.w3.org/2000/svg}"
    titles = [t.text or "" for t in root.iter(f"{ns}title")]
    assert any("reported" in t and "local-portal (KR)" in t for t in titles)
    assert len(list(root.iter(f"{ns}line"))) >= 4
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width >= 800

    result = runner.invoke(app, [*home, "timeline", CASE], env=env)
    assert result.exit_code == 0, result.output
    assert "after a removal" in result.output and "telegram" in result.output
    result = runner.invoke(app, [*home, "timeline", "NO-SUCH-1"], env=env)
    assert result.exit_code == 2 and "no case" in result.output

    graph = tmp_path / "links.graphml"
    result = runner.invoke(app, [*home, "links", "--json", "--graphml", str(graph)], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout.splitlines()[0])
    assert doc["format"] == "haechi-links/v1" and len(doc["links"]) == 15
    assert doc["clusters"][0]["window_hours"] == 49.0
    text = graph.read_text(encoding="utf-8")
    for secret in (CASE, "victims", "chelsea", "coffee", "astronaut"):
        assert secret not in text and secret not in result.stdout
    tree = ET.fromstring(text)
    gns = "{http://graphml.graphdrawing.org/xmlns}"
    assert len(list(tree.iter(f"{gns}node"))) == 7 and len(list(tree.iter(f"{gns}edge"))) == 15
    result = runner.invoke(app, [*home, "links", "--within", "24"], env=env)
    assert result.exit_code == 0, result.output
    assert "6 accounts carried the same 2 items within 14.0 hours" in result.output
