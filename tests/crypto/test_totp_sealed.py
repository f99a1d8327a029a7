"""Members' TOTP secrets are sealed with the data key: a copy of the database cannot make codes.

New secrets are written sealed; a secret from before migration 0030 is sealed at the next open
with the key and its plaintext is gone from the file; signing in opens it in memory; a
rotation seals it again; a sealed secret moved to another member's row does not open.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update

from haechi.crypto import SealedDataError
from haechi.crypto.member_secrets import totp_secret_of
from haechi.crypto.rotation import key_status, rotate
from haechi.crypto.vault import engine_vault
from haechi.members.model import Actor, Role
from haechi.members.signin import password_step, second_step
from haechi.settings import Settings
from haechi.store.database import Database, open_database
from haechi.store.member_models import MemberRow
from haechi.testkit.team import PASSWORD, add_member
from tests.crypto.conftest import NOW
from tests.postgres import stored_bytes

OLD_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _home_bytes(settings: Settings, db: Database) -> bytes:
    """The home's files and the database's own bytes (wherever it is)."""
    files = b"".join(p.read_bytes() for p in settings.home.rglob("*") if p.is_file())
    return files + stored_bytes(db.url)


def test_a_new_member_s_secret_is_sealed_and_still_signs_her_in(
    sdb: Database, sealed_settings: Settings
) -> None:
    member = add_member(sdb, "reviewer-1", Role.REVIEWER, now=NOW)
    with sdb.engine.connect() as conn:
        plain, sealed = conn.execute(
            text("SELECT totp_secret, totp_sealed FROM members WHERE id = :id"), {"id": member.id}
        ).one()
    assert plain == "" and sealed is not None
    sdb.close()
    assert member.totp_secret.encode() not in _home_bytes(sealed_settings, sdb)

    db = open_database(sealed_settings)
    try:
        later = NOW + timedelta(minutes=1)
        with db.session() as session:
            pending = password_step(
                session, member.name, PASSWORD, address="127.0.0.1", now=later
            )
        with db.session() as session:
            done = second_step(
                session, pending.session_id, member.code(later), address="127.0.0.1", now=later
            )
        assert done.member_id == member.id
    finally:
        db.close()


def test_a_secret_from_before_sealing_is_sealed_at_the_next_open(
    sdb: Database, sealed_settings: Settings
) -> None:
    member = add_member(sdb, "liaison-1", Role.LIAISON, now=NOW)
    with sdb.session() as session:  # as a haechi from before migration 0030 wrote it
        session.execute(
            update(MemberRow)
            .where(MemberRow.id == member.id)
            .values(totp_secret=OLD_SECRET, totp_sealed=None)
        )
    sdb.close()

    db = open_database(sealed_settings)
    try:
        with db.session() as session:
            row = session.get(MemberRow, member.id)
            assert row is not None and row.totp_secret == "" and row.totp_sealed is not None
            assert totp_secret_of(session, row) == OLD_SECRET
    finally:
        db.close()
    assert OLD_SECRET.encode() not in _home_bytes(sealed_settings, db)


def test_rotation_seals_the_secrets_again(sdb: Database, key_file: Path) -> None:
    member = add_member(sdb, "admin-2", Role.ADMIN, now=NOW)
    vault = engine_vault(sdb.engine)
    before = key_status(sdb, vault)
    assert sum(before.by_key.values()) == 1
    report = rotate(sdb, vault, Actor.console(), now=NOW)
    assert report.secrets == 1 and report.as_json()["secrets"] == 1
    assert key_status(sdb, vault).by_key == {report.key_id: 1}
    with sdb.session() as session:
        row = session.get(MemberRow, member.id)
        assert row is not None and totp_secret_of(session, row) == member.totp_secret


def test_a_secret_moved_to_another_member_does_not_open(sdb: Database) -> None:
    first = add_member(sdb, "analyst-1", Role.ANALYST, now=NOW)
    second = add_member(sdb, "analyst-2", Role.ANALYST, now=NOW)
    with sdb.session() as session:
        stolen = session.get(MemberRow, first.id)
        assert stolen is not None
        session.execute(
            update(MemberRow)
            .where(MemberRow.id == second.id)
            .values(totp_sealed=stolen.totp_sealed)
        )
    with sdb.session() as session:
        row = session.get(MemberRow, second.id)
        assert row is not None
        with pytest.raises(SealedDataError):
            totp_secret_of(session, row)
