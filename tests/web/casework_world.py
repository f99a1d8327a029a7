"""The casework tests' world: the real web server over a home where five photos were
registered (two under case CASE), found on a loopback site by a scan that captured them, and
confirmed; two platforms and a regulator in the directory; a real SMTP server on 127.0.0.1
that the server's settings send to (:mod:`tests.notices.world` builds the home)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.notices.world import ALLOW, CASE, Mailbox, World, build_world, smtp_server
from tests.sources.sitekit import Site, serve

from haechi.notices.model import Decision
from haechi.settings import Settings
from haechi.store.cases import CaseStore
from haechi.store.database import open_database
from haechi.store.notices import ReviewStore

__all__ = ["CASE", "Casework", "casework_settings", "centre_settings", "mail", "site", "world"]


@dataclass
class Casework:
    world: World
    mailbox: Mailbox


@pytest.fixture
def mail() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def centre_settings(home: Path, smtp_port: int, **more: Any) -> Settings:
    """A support centre's settings that send its notices to the test's SMTP server."""
    return Settings(
        home=home,
        workers=1,
        evidence_screenshots=False,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        smtp_timeout=10,
        notice_from="takedown@haechi-centre.example",
        notice_organisation="해치 지원센터",
        notice_organisation_en="Haechi Support Centre",
        **more,
    )


@pytest.fixture
def casework_settings(tmp_path: Path, mail: tuple[Mailbox, int]) -> Settings:
    """The home's settings: loopback allowed, mail to the test's SMTP server."""
    return centre_settings(tmp_path / "home", mail[1], allow_hosts=ALLOW)


@pytest.fixture
def world(
    tmp_path: Path, casework_settings: Settings, site: Site, mail: tuple[Mailbox, int]
) -> Iterator[Casework]:
    """Five captured hits, all confirmed; the directory loaded."""
    db = open_database(casework_settings)
    try:
        built = build_world(tmp_path, site, db, casework_settings, mail[0], mail[1])
        with db.session() as session:
            reviews = ReviewStore(session)
            ids = [h.id for h in built.hits.values()]
            reviews.decide(ids, Decision.CONFIRMED, "rev", "", built.clock())
            CaseStore(session).create(built.clock(), CASE)  # as `bank add --case` opens it
        yield Casework(built, mail[0])
    finally:
        db.close()
