"""The audit trail: actions leave chained rows; a changed, removed or forged row is named."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy.exc import DatabaseError

from haechi.audit.export import to_csv, to_json_lines
from haechi.audit.trail import AuditKind, events, iter_events, record, verify_chain
from haechi.members.model import Actor, Role
from haechi.members.service import create_member, invite, set_role
from haechi.store.database import Database
from haechi.testkit.team import PASSWORD, ManualClock


def fill(db: Database, clock: ManualClock) -> None:
    with db.session() as s:
        boss = create_member(s, Actor.console(), "boss", PASSWORD, now=clock()).member
        ana = create_member(s, Actor.console(), "=cmd|'/c calc'!A1", PASSWORD, now=clock()).member
        admin = Actor(boss.id, boss.name, Role.ADMIN, "192.0.2.1")
        set_role(s, admin, ana.id, Role.AUDITOR, now=clock())
        invite(s, admin, now=clock())


def tamper(db: Database, sql: str) -> None:
    """Change the rows as someone who owns the database would: past the triggers."""
    on = " ON audit_events" if db.engine.dialect.name == "postgresql" else ""
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TRIGGER audit_events_no_update{on}")
        conn.exec_driver_sql(f"DROP TRIGGER audit_events_no_delete{on}")
        conn.exec_driver_sql(sql)


def test_actions_are_recorded_and_the_chain_holds(db: Database, clock: ManualClock) -> None:
    fill(db, clock)
    with db.session() as s:
        kinds = [e.kind for e in iter_events(s)]
        report = verify_chain(s)
        by_member = events(s, member="boss")
    assert kinds == ["member.created", "member.created", "member.role", "invite.created"]
    assert report.ok and report.rows == 4
    assert {e.kind for e in by_member} == {"member.created", "member.role", "invite.created"}


def test_the_database_refuses_to_rewrite_the_trail(db: Database, clock: ManualClock) -> None:
    fill(db, clock)
    with pytest.raises(DatabaseError, match="append-only"), db.session() as s:
        s.connection().exec_driver_sql("UPDATE audit_events SET kind = 'x' WHERE id = 2")
    with pytest.raises(DatabaseError, match="append-only"), db.session() as s:
        s.connection().exec_driver_sql("DELETE FROM audit_events WHERE id = 4")


@pytest.mark.parametrize(
    ("sql", "broken", "reason"),
    [
        ("UPDATE audit_events SET subject_name = 'someone else' WHERE id = 2", 2, "changed"),
        ("DELETE FROM audit_events WHERE id = 3", 4, "missing"),
        (
            "UPDATE audit_events SET row_hash = 'f' || substr(row_hash, 2) WHERE id = 3",
            3,
            "changed",
        ),
    ],
)
def test_a_tampered_row_is_named(
    db: Database, clock: ManualClock, sql: str, broken: int, reason: str
) -> None:
    fill(db, clock)
    tamper(db, sql)
    with db.session() as s:
        report = verify_chain(s)
    assert not report.ok and report.broken_id == broken and reason in report.reason


def test_a_rewritten_chain_tail_is_found(db: Database, clock: ManualClock) -> None:
    fill(db, clock)
    # Recomputing a changed row's own hash does not help: the next row's link breaks.
    with db.session() as s:
        from haechi.audit.trail import row_digest
        from haechi.store.member_models import AuditRow

        row = s.get(AuditRow, 2)
        assert row is not None
        row.subject_name = "forged"
        forged = row_digest(row)
        s.rollback()
    tamper(
        db,
        f"UPDATE audit_events SET subject_name = 'forged', row_hash = '{forged}' WHERE id = 2",
    )
    with db.session() as s:
        report = verify_chain(s)
    assert report.broken_id == 3 and "follow" in report.reason


def test_exports_carry_every_field_and_defuse_formulas(db: Database, clock: ManualClock) -> None:
    fill(db, clock)
    with db.session() as s:
        record(s, AuditKind.AUDIT_EXPORTED, Actor.console(), now=clock())
        all_events = list(iter_events(s))
    rows = list(csv.DictReader(io.StringIO(to_csv(all_events))))
    assert len(rows) == 5 and rows[1]["subject"].startswith("'=")
    lines = [json.loads(line) for line in to_json_lines(all_events).splitlines()]
    assert lines[1]["subject"] == "=cmd|'/c calc'!A1"
    assert lines[0]["prev_hash"] == "0" * 64
    assert lines[1]["prev_hash"] == lines[0]["row_hash"]


def test_an_empty_trail_verifies(db: Database) -> None:
    with db.session() as s:
        assert verify_chain(s).ok
