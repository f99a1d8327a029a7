"""Cases under pseudonymous references, and police report packages with their reminders."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from haechi.audit.trail import AuditKind, events
from haechi.cases import (
    MemberKind,
    add_to_case,
    check_reference,
    due_reminders,
    make_police_report,
    new_case,
    new_reference,
    record_answer,
    remind,
    show_case,
)
from haechi.evidence import verify_bundle
from haechi.notices import Decision, approve, decide, draft_notices, send
from haechi.notices.errors import CaseError, ReportError
from tests.notices.world import CASE, World


@pytest.mark.parametrize("ref", ["김지영", "Kim Jiyoung", "JaneDoe", "ab", "x" * 41, "a/1"])
def test_references_that_could_be_names_are_refused(ref: str) -> None:
    with pytest.raises(CaseError, match="never the victim's name"):
        check_reference(ref)


def test_made_references_are_codes() -> None:
    ref = new_reference(datetime(2026, 11, 26, tzinfo=UTC))
    assert re.fullmatch(r"C-20261126-[2-9A-HJ-NP-Z]{4}", ref)
    assert check_reference(ref) == ref
    assert check_reference(" CASE-2026-001 ") == "CASE-2026-001"


def test_a_case_gathers_entries_hits_captures_and_notices(world: World) -> None:
    desk, hits = world.desk, world.hits
    made = new_case(desk)
    assert made.ref.startswith("C-") and made.created_at == world.clock()
    case = new_case(desk, CASE)
    with pytest.raises(CaseError, match="already exists"):
        new_case(desk, CASE)
    view = show_case(desk, case.ref)
    # a and b were registered with --case CASE: their entries and hits are in it already
    assert {h.id for h in view.hits} == {hits["a"].id, hits["b"].id}
    assert len(view.entries) == 2 and len(view.captures) == 2

    assert add_to_case(desk, CASE, MemberKind.HIT, [str(hits["c"].id)]) == 1
    assert add_to_case(desk, CASE, MemberKind.HIT, [str(hits["c"].id)]) == 0
    capture_of_d = next(c.id for c in desk.citations().all_for_hits([hits["d"].id]))
    assert add_to_case(desk, CASE, MemberKind.CAPTURE, [capture_of_d]) == 1
    with pytest.raises(CaseError, match="no capture nope"):
        add_to_case(desk, CASE, MemberKind.CAPTURE, ["nope"])
    with pytest.raises(CaseError, match="no hit with id 9999"):
        add_to_case(desk, CASE, MemberKind.HIT, ["9999"])
    with pytest.raises(CaseError, match="no case"):
        show_case(desk, "CASE-404")

    decide(desk, [hits["a"].id, hits["c"].id], Decision.CONFIRMED, "reviewer-1")
    decide(desk, [hits["b"].id], Decision.REJECTED, "reviewer-1", "false match")
    drafted = draft_notices(desk).notices
    view = show_case(desk, CASE)
    assert {h.id for h in view.hits} == {hits[x].id for x in "abc"}
    assert {h.id for h in view.reportable_hits} == {hits["a"].id, hits["c"].id}
    assert {c.id for c in view.captures} >= {capture_of_d}
    assert {n.id for n in view.notices} == {n.id for n in drafted}
    data = view.as_json()
    assert data["ref"] == CASE and {h["review"] for h in data["hits"]} == {
        "confirmed",
        "rejected",
    }
    json.dumps(data)


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages)


def test_police_report_package_and_its_reminders(world: World) -> None:
    desk, hits, clock = world.desk, world.hits, world.clock
    new_case(desk, CASE)
    with pytest.raises(ReportError, match="station"):
        make_police_report(desk, CASE, " ", world.tmp / "reports")
    decide(desk, [hits["a"].id, hits["b"].id], Decision.CONFIRMED, "reviewer-1")
    notices = draft_notices(desk).notices
    approve(desk, [n.id for n in notices])
    send(desk)
    clock.advance(hours=3)
    station = "서울경찰청 사이버수사과"
    package = make_police_report(desk, CASE, station, world.tmp / "reports")
    with world.db.session() as session:
        [made] = events(session, kind=AuditKind.POLICE_PACKAGE_MADE)
    assert made.detail["case"] == CASE and made.detail["station"] == station

    files = {p.name for p in package.folder.iterdir()}
    assert files == {
        "report.pdf",
        "evidence.wacz",
        "hits.json",
        "credential.json",
        "redaction.json",  # what was redacted (haechi.redaction), next to the sealed evidence
        "redaction.txt",
        "SHA256SUMS",
    }
    sums = dict(
        reversed(line.split("  "))
        for line in (package.folder / "SHA256SUMS").read_text().splitlines()
    )
    for name, digest in sums.items():
        assert hashlib.sha256((package.folder / name).read_bytes()).hexdigest() == digest
    assert package.report.pdf_sha256 == sums["report.pdf"]

    text = _pdf_text((package.folder / "report.pdf").read_bytes())
    flat = re.sub(r"\s+", "", text)
    assert "수사의뢰자료" in flat and CASE in flat and re.sub(r"\s", "", station) in flat
    for letter in "ab":
        assert hits[letter].sha256 in flat
        assert hits[letter].location in flat
    assert package.report.bundle_sha256 is not None and package.report.bundle_sha256 in flat
    assert "통지" in text or "Notices" in text

    report = verify_bundle(package.folder / "evidence.wacz", world.evidence.own_key_ids())
    assert report.passed, [c for c in report.checks if c.status.value == "failed"]
    assert set(report.captures) == {
        c.id for c in desk.citations().all_for_hits([hits["a"].id, hits["b"].id])
    }

    facts = json.loads((package.folder / "hits.json").read_text(encoding="utf-8"))
    assert facts["ref"] == CASE and {h["id"] for h in facts["hits"]} == {
        hits["a"].id,
        hits["b"].id,
    }
    assert "name" not in json.dumps(facts).lower().replace("bank_entry", "")

    # -- waiting for the station -----------------------------------------------------------
    made = clock()
    assert package.report.answer_due == made + timedelta(days=14)
    assert due_reminders(desk) == []
    clock.advance(days=14)
    [due] = remind(desk)
    assert due.last_reminded_at == clock()
    assert remind(desk) == []
    clock.advance(days=7)
    assert [r.id for r in due_reminders(desk)] == [package.report.id]
    answered = record_answer(desk, package.report.id, "접수번호 2026-12345")
    assert answered.answered_at == clock() and answered.next_reminder is None
    assert due_reminders(desk) == []
    with pytest.raises(ReportError, match="has no hits"):
        new_case(desk, "CASE-2026-002")
        make_police_report(desk, "CASE-2026-002", station, world.tmp / "reports")
