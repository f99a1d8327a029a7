"""A hit at a link of any length is recorded, once (run in both passes of make test).

``uq_hit`` once indexed the location itself, and PostgreSQL refuses index rows over 2,704
bytes: a hit at a 4,000-character link was lost there. It now holds the location's SHA-256
(migration 0025), which this file checks on SQLite and PostgreSQL alike, with the migration
that fills it for hits recorded before and leaves what points at them in place.
"""

from __future__ import annotations

import hashlib
import random
import string
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import func, insert, select, text

from haechi.scan.model import MatchDetail, Sighting
from haechi.store.database import Database, _alembic_config, head_revision
from haechi.store.models import BankRow, EntryRow, HitCaptureRow, HitRow, ReviewRow
from haechi.store.scans import ScanStore
from haechi.store.tracking_models import HitAccountRow

SHA = "ab" * 32
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def long_link(length: int = 4_000) -> str:
    """A link of ``length`` characters whose query text does not compress (as real ones)."""
    rng = random.Random(20)
    head = "https://files.example/view?token="
    return head + "".join(rng.choices(string.ascii_letters + string.digits, k=length - len(head)))


def an_entry(db: Database) -> int:
    with db.session() as session:
        bank = BankRow(name="cases")
        session.add(bank)
        session.flush()
        entry = EntryRow(bank_id=bank.id, label="one")
        session.add(entry)
        session.flush()
        return entry.id


def record(db: Database, entry: int, location: str, message: str | None = None) -> int | None:
    with db.session() as session:
        scans = ScanStore(session)
        scan = scans.start(location[:80], "url-list")
        kind = "web" if message is None else "telegram-export"
        seen = Sighting(location, kind, found_in=message, message=message)
        hit = scans.add_hit(scan, entry, MatchDetail("pdq", 3), SHA, seen, found_at=NOW)
        return None if hit is None else hit.id


def test_a_hit_at_a_4000_character_link_is_recorded_once(db: Database) -> None:
    entry = an_entry(db)
    link = long_link()
    assert len(link) == 4_000
    first = record(db, entry, link)
    assert first is not None
    assert record(db, entry, link) is None  # the same hit again: nothing new, no failure
    other = record(db, entry, link[:-1] + ("A" if link[-1] != "A" else "B"))
    assert other is not None and other != first  # one character apart is another place
    with db.session() as session:
        rows = session.execute(select(HitRow.location, HitRow.location_digest).order_by(HitRow.id))
        stored = list(rows)
    assert stored[0][0] == link  # the whole link, not a shortened one
    assert stored[0][1] == hashlib.sha256(link.encode()).hexdigest()
    assert len(stored) == 2


def test_a_chat_message_is_one_sighting_whatever_its_link_length(db: Database) -> None:
    entry = an_entry(db)
    message = long_link(3_000)
    assert record(db, entry, "/exports/chat/photo_1.jpg", message) is not None
    # The same message found through another export: its link, not the file's path, decides.
    assert record(db, entry, "/other/export/photo_1.jpg", message) is None
    # A hit recorded at the message's link itself is that sighting too.
    live = long_link(3_500)
    assert record(db, entry, live) is not None
    assert record(db, entry, "/exports/chat/photo_2.jpg", live) is None


def test_migration_fills_digests_and_keeps_what_points_at_hits(
    db: Database, tmp_path: Path
) -> None:
    entry = an_entry(db)
    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0024")
    places = ["/photos/a.jpg", "https://site.example/p/1", "https://사진.example/가"]
    with db.engine.begin() as conn:
        scan = conn.execute(
            text("INSERT INTO scans (target, kind, started_at, files_seen, files_hashed, "
                 "files_skipped, files_failed, hits_found) VALUES "
                 "('old', 'web', :now, 0, 0, 0, 0, 0) RETURNING id"), {"now": NOW},
        ).scalar_one()  # fmt: skip
        for place in places:
            conn.execute(
                text("INSERT INTO hits (scan_id, entry_id, signal_kind, distance, location, "
                     "sha256, found_at, source_kind, confidence, evidence_state) VALUES "
                     "(:scan, :entry, 'pdq', 2, :place, :sha, :now, 'web', 1.0, 'sealed')"),
                {"scan": scan, "entry": entry, "place": place, "sha": SHA, "now": NOW},
            )  # fmt: skip
    with db.session() as session:
        hits = list(session.scalars(select(HitRow.id).order_by(HitRow.id)))
        assert len(hits) == 3
        session.add(ReviewRow(hit_id=hits[0], decision="confirmed", reviewer="kim",
                              reason="", decided_at=NOW))  # fmt: skip
        session.add(HitCaptureRow(hit_id=hits[1], capture_id="c1", kind="web", sealed_at=NOW))
        session.add(HitAccountRow(hit_id=hits[2], poster_id="user42"))
    db.migrate(tmp_path / "backups")
    assert db.revision() == head_revision()
    with db.session() as session:
        digests = dict(session.execute(select(HitRow.location, HitRow.location_digest)).all())
        assert digests == {p: hashlib.sha256(p.encode()).hexdigest() for p in places}
        kept = [session.scalar(select(func.count()).select_from(t)) for t in
                (ReviewRow, HitCaptureRow, HitAccountRow)]  # fmt: skip
        assert kept == [1, 1, 1]  # rebuilding hits took nothing that points at them
    assert record(db, entry, places[1]) is None  # the migrated key still knows the old hits
    assert record(db, entry, long_link()) is not None


def test_a_writer_that_names_no_digest_still_gets_one(db: Database) -> None:
    entry = an_entry(db)
    with db.session() as session:
        scan = ScanStore(session).start("bulk", "web")
        rows = [
            {"scan_id": scan, "entry_id": entry, "signal_kind": "pdq", "distance": 1,
             "location": place, "sha256": SHA, "found_at": NOW}
            for place in ("https://a.example/1", long_link())
        ]  # fmt: skip
        session.execute(insert(HitRow), rows)  # as the bulk maker of haechi.testkit does
    with db.session() as session:
        stored = session.execute(select(HitRow.location, HitRow.location_digest)).all()
    assert {d for _, d in stored} == {hashlib.sha256(p.encode()).hexdigest() for p, _ in stored}


def test_an_overlong_account_id_from_an_export_loses_no_hit(db: Database) -> None:
    entry = an_entry(db)
    odd = "user" + "9" * 296  # an export file may say anything; hit_accounts holds 100
    hits = []
    for n in (1, 2):
        with db.session() as session:
            scans = ScanStore(session)
            seen = Sighting(f"https://t.me/c/1/{n}", "telegram-export", poster_id=odd)
            hit = scans.add_hit(scans.start("export", "telegram-export"), entry,
                                MatchDetail("pdq", 2), SHA, seen)  # fmt: skip
            assert hit is not None
            hits.append(hit.id)
    with db.session() as session:
        posters = [session.get(HitAccountRow, h).poster_id for h in hits]  # type: ignore[union-attr]
    assert posters[0] == posters[1] == "sha256:" + hashlib.sha256(odd.encode()).hexdigest()
