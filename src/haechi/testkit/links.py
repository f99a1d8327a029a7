"""Turn :func:`~haechi.testkit.hits.bulk_hits` rows into a world with uploader links, by SQL.

``bulk_hits`` puts every entry's copies on one site, so nothing links; here a share of the
copies move to other sites' pages (the file stays on its first host: a CDN behind a board),
some get posters and times of posting, some Telegram copies get rooms and forward origins,
and a few files are met under two entries, so the link map has real work: shared items,
forwards, file hosts, items joined by SHA-256. For ``bench/tracking.py`` and the tests.
"""

from __future__ import annotations

from sqlalchemy import text

from haechi.store.database import Database

_STEPS = (
    # A quarter of the copies re-posted on another board's pages.
    "UPDATE hits SET found_in = 'https://host' || ((id * 7) % 50) || '.example/post/' || id "
    "WHERE id % 4 = 0",
    # Posters on the boards.
    "UPDATE hits SET poster = 'user' || (id % 97) WHERE id % 5 = 0 AND source_kind != "
    "'telegram-export'",
    # Telegram copies sit in rooms; some were forwarded from another.
    "UPDATE hits SET container = 'room ' || (id % 13) WHERE source_kind = 'telegram-export'",
    "UPDATE hits SET forwarded_from = 'origin ' || (id % 5) "
    "WHERE source_kind = 'telegram-export' AND id % 3 = 0",
    # The poster's own time on some (the same moment haechi met the copy).
    "UPDATE hits SET posted_at = found_at WHERE id % 6 = 0",
    # The same file met under another entry: those entries' hits are one item.
    "UPDATE hits SET sha256 = (SELECT h.sha256 FROM hits h WHERE h.id = hits.id - 1) "
    "WHERE id % 211 = 0",
)


def cross_links(db: Database) -> None:
    """Make the bulk world's hits link (see the module); idempotent enough to run once."""
    with db.session() as session:
        for step in _STEPS:
            session.execute(text(step))
