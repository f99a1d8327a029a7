"""Fixtures of the operations tests: a home with real evidence, backup keys, SQL dumps.

The home is made through the real pipeline: photos registered, a Telegram Desktop export
scanned with the evidence keeper, so hits are recorded and their messages sealed in the log
with signed checkpoints. The signing key is encrypted with a passphrase, as the README asks.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from haechi.ops.keys import KeyPair, add_home_recipient, generate_identity
from haechi.settings import Settings
from haechi.store.database import open_database
from tests.evidence.sealing_kit import keeper, register, scan, telegram_export

PASSPHRASE = "correct horse battery staple, but longer"


def home_settings(root: Path, passphrase: str | None = PASSPHRASE) -> Settings:
    """Settings of the home under ``root`` (a checkpoint after every entry)."""
    return Settings(
        home=root / "home",
        database_url=f"sqlite:///{root / 'home' / 'haechi.db'}",
        workers=1,
        key_passphrase=passphrase,
        evidence_checkpoint_every=1,
    )


def make_home(root: Path, seeds: list[int], passphrase: str | None = PASSPHRASE) -> Settings:
    """A home with hits of ``seeds`` found in a Telegram export, each sealed as evidence."""
    settings = home_settings(root, passphrase)
    db = open_database(settings)
    try:
        register(db, settings, root, range(min(seeds), max(seeds) + 1))
        add_scan(settings, root / "export-1", seeds)
    finally:
        db.close()
    return settings


def add_scan(settings: Settings, folder: Path, seeds: list[int], chat_id: int = 1777) -> int:
    """Scan one more Telegram export (new hits, new captures); returns the hits found."""
    db = open_database(settings)
    try:
        with keeper(settings) as kept:
            report = scan(db, settings, str(telegram_export(folder, seeds, chat_id)), kept)
    finally:
        db.close()
    return len(report.hits)


def dump(db_file: Path, skip: tuple[str, ...] = ("backups", "restore_drills")) -> list[str]:
    """Every row of every table (SQL text), the ops bookkeeping tables left out."""
    conn = sqlite3.connect(db_file)
    try:
        lines = list(conn.iterdump())
    finally:
        conn.close()
    return [
        line
        for line in lines
        if not any(f'INSERT INTO "{t}"' in line or f"TABLE {t}" in line for t in skip)
    ]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def home(tmp_path: Path) -> Settings:
    """A home with two sealed Telegram hits."""
    return make_home(tmp_path, [1, 2])


@pytest.fixture
def keys(tmp_path: Path, home: Settings) -> KeyPair:
    """A backup key pair whose public key the home encrypts for."""
    pair = generate_identity(tmp_path / "backup-identity.txt")
    add_home_recipient(home.home, pair.recipient)
    return pair
