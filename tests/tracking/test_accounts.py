"""Who carried a sighting, and when two accounts are linked: pure rules on made-up sightings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from haechi.tracking.accounts import carriers, telegram_peer
from haechi.tracking.links import find_links
from haechi.tracking.sightings import Sighting

T = datetime(2026, 11, 2, tzinfo=UTC)


def seen(hit: int, entry: int, source: str = "telegram-export", **kw: Any) -> Sighting:
    fields: dict[str, Any] = {
        "hit_id": hit, "entry_id": entry, "sha256": f"{hit:064x}", "location": f"/x/{hit}.jpg",
        "page": None, "source_kind": source, "found_at": T + timedelta(hours=hit),
        "posted_at": None, "platform": None, "country": None, "container": None, "poster": None,
        "forwarded_from": None, "container_id": None, "poster_id": None,
        "forwarded_from_id": None,
    }  # fmt: skip
    fields.update(kw)
    return Sighting(**fields)


def test_telegram_ids_meet_across_exports_and_names_say_they_are_names() -> None:
    channel, bot_api = telegram_peer("channel1234567890", "x"), telegram_peer("-1001234567890", "y")
    assert channel is not None and bot_api is not None
    assert channel.key == bot_api.key == "telegram-chat:1234567890"
    assert telegram_peer("user5", "kim").key == "telegram-user:5"  # type: ignore[union-attr]
    assert telegram_peer(None, "room").key == "telegram-chat:~room"  # type: ignore[union-attr]
    web = carriers(seen(1, 1, "web", location="https://cdn.example/a.jpg",
                        page="https://Board.example/p/1", poster="perp"))  # fmt: skip
    assert [a.key for a in web.accounts] == [
        "site:board.example",
        "host:cdn.example",
        "poster:~board.example/perp",
    ]
    chat = carriers(seen(2, 1, "chat-csv", container="room", poster="perp"))
    assert [a.key for a in chat.accounts] == ["chat-room:~room", "chat-user:~room/perp"]
    own = carriers(
        seen(3, 1, container_id="777", poster_id="channel777", forwarded_from_id="channel777")
    )
    assert [a.key for a in own.accounts] == ["telegram-chat:777"] and own.origin is None


def test_a_poster_who_moves_an_item_is_linked_to_both_rooms_not_to_his_own_posts() -> None:
    first = seen(1, 1, container_id="10", poster_id="user5", poster="perp")
    second = seen(2, 1, container_id="20", poster_id="user5", poster="perp")
    other = seen(3, 2, container_id="30", poster_id="user6")  # another item: no link
    links = find_links([first, second, other], T)
    assert [(x.a.key, x.b.key, x.items) for x in links.links] == [
        ("telegram-chat:10", "telegram-chat:20", (1,))
    ]
    [cluster] = links.clusters
    assert cluster.summary() == "2 accounts carried the same 1 items within 1.0 hours of each other"
    same_file = seen(4, 3, container_id="40", sha256=first.sha256)  # another entry, same bytes
    joined = find_links([first, same_file], T)
    assert {(x.a.key, x.b.key) for x in joined.links} == {
        ("telegram-chat:10", "telegram-chat:40"), ("telegram-chat:40", "telegram-user:5")
    }  # fmt: skip
    assert {x.evidence[0].entries for x in joined.links} == {(1, 3)}
