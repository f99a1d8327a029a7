"""The shared banks' fingerprint changes with every change a platform's index must see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from haechi.banks.model import NewEntry
from haechi.hashing.signals import Signal, SignalKind
from haechi.members.model import Actor
from haechi.platform_api.sharing import share_bank, stop_sharing
from haechi.platform_api.snapshot import fingerprint
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database, open_database
from haechi.store.models import EntryRow, SignalRow
from tests.platform_api.conftest import random_hex

RNG = np.random.default_rng(11)


def _pdq() -> Signal:
    return Signal(SignalKind.PDQ, random_hex(RNG), 100)


def test_every_change_platforms_must_see_changes_the_fingerprint(settings: Settings) -> None:
    db: Database = open_database(settings)
    seen: list[str] = []

    def after(change: Callable[[BankStore], Any]) -> Any:
        with db.session() as session:
            done = change(BankStore(session))
        with db.session() as session:
            now = fingerprint(session, 50)
        assert now not in seen, "the fingerprint missed a change"
        seen.append(now)
        return done

    try:
        after(lambda s: (s.create("shared"), s.create("private")))
        after(lambda s: s.add_entries("shared", [NewEntry((_pdq(),)) for _ in range(3)]))
        with db.session() as session:
            share_bank(session, Actor.console(), "shared", "KR")
            seen.append(fingerprint(session, 50))
        after(lambda s: s.add_entries("shared", [NewEntry((_pdq(),))]))
        # An entry of a private bank is not the platforms' business, but its new signal id
        # changes the fingerprint too (a rebuild that finds nothing new: harmless).
        moved = after(lambda s: s.add_entries("private", [NewEntry((_pdq(),))])[0].id)

        def move(s: BankStore) -> None:  # as intake's review moves an approved entry
            row = s.session.get(EntryRow, moved)
            assert row is not None
            row.bank_id = s.session.get(EntryRow, 1).bank_id  # type: ignore[union-attr]

        after(move)
        after(lambda s: s.session.add(SignalRow(entry_id=1, kind="md5", value="ab" * 16)))
        after(lambda s: s.withdraw(2))
        with db.session() as session:
            stop_sharing(session, Actor.console(), "shared")
            assert fingerprint(session, 50) not in seen
        with db.session() as session:
            assert fingerprint(session, 50) == fingerprint(session, 50)  # nothing changed
    finally:
        db.close()
