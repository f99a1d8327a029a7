"""Homes whose data key lives outside them (as it should), and a way to write sealed data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from haechi.banks.model import NewEntry
from haechi.cases.personal import Consent, PersonalData, open_case
from haechi.hashing.signals import Signal, SignalKind
from haechi.members.model import Actor
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database, open_database

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# Distinctive text in Korean and in Latin letters, to look for in every byte of the home.
NAME = "김해치피해자"
LATIN_NAME = "Zelmira Quonstantine"
PHONE = "010-9876-5432"
EMAIL = "Zelmira.Q@Example.org"
NOTES = "비밀메모 met at Jongno shelter"
LABEL = "라벨비밀 Xyloquartz upload"
SECRETS = [NAME, LATIN_NAME, PHONE, "01098765432", EMAIL, EMAIL.lower(), NOTES, LABEL, "비밀"]


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "keys-elsewhere" / "data.key"


@pytest.fixture
def sealed_settings(tmp_path: Path, key_file: Path) -> Settings:
    return Settings(home=tmp_path / "home", workers=1, data_key_file=key_file)


@pytest.fixture
def sdb(sealed_settings: Settings) -> Iterator[Database]:
    database = open_database(sealed_settings)
    yield database
    database.close()


def victim() -> PersonalData:
    return PersonalData(
        f"{NAME} ({LATIN_NAME})",
        (PHONE, EMAIL, "kakao: zq-secret"),
        NOTES,
        frozenset({Consent.CONTACT, Consent.TAKEDOWN}),
    )


def write_world(db: Database, ref: str = "C-2026-001") -> int:
    """A case with personal data and a bank entry with a label; returns the entry id."""
    with db.session() as session:
        open_case(session, Actor.console(), ref, victim(), now=NOW)
        store = BankStore(session)
        store.get_or_create("victims")
        [entry] = store.add_entries(
            "victims",
            [NewEntry((Signal(SignalKind.SHA256, "ab" * 32),), LABEL, ref, NOW)],
        )
    return entry.id
