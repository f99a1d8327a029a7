"""The hooks: notices, police packages and hash-list labels leave without her data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from haechi.cases.model import MemberKind
from haechi.cases.personal import PersonalData, open_case
from haechi.cases.service import add_to_case
from haechi.members.model import Actor
from haechi.notices import Desk, NoticeConfig
from haechi.notices.drafting import create_notice, item_for
from haechi.notices.model import NoticeKind
from haechi.notices.platforms import parse_platforms
from haechi.settings import Settings
from haechi.store.database import Database, open_database
from haechi.store.notices import PlatformStore, ReviewStore
from tests.notices.world import make_hits

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PLATFORM = """
format = "haechi-platforms/v1"
[[platform]]
name = "board"
title = "Board"
domains = ["board.example"]
email = "abuse@board.example"
language = "en"
"""
JIWOO = PersonalData("김지우 (Jiwoo Kim)", ("010-5550-1234", "@jw_k97", "학교: 한빛여고"))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    settings = Settings(home=tmp_path / "home", workers=1, data_key_file=tmp_path / "d.key")
    database = open_database(settings)
    yield database
    database.close()


def _case_with_hits(db: Database, urls: list[str]) -> list[int]:
    hits = make_hits(db, urls)
    with db.session() as session:
        open_case(session, Actor.console(), "C-1", JIWOO, now=NOW)
    add_to_case(Desk(db), "C-1", MemberKind.HIT, [str(h.id) for h in hits])
    return [h.id for h in hits]


def test_a_notice_goes_out_without_her_data_and_says_so(db: Database, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "takedown.en.txt.j2").write_text(
        "Subject: Removal request #{{ notice_id }}\n"
        "To {{ platform.email }}:\n"
        "{% for item in items %}- {{ item.url }}\n{% endfor %}"
        "The page's caption read: {{ caption }}\n"
        "Reply to {{ reply }} or call +82 2-123-4567.\n",
        encoding="utf-8",
    )
    url = "https://board.example/jiwoo_kim/1.jpg"  # her name in the URL the board must act on
    hit_ids = _case_with_hits(db, [url])
    with db.session() as session:
        PlatformStore(session).save(parse_platforms(PLATFORM), NOW)
        platform = PlatformStore(session).directory().for_url(url)
    assert platform is not None
    desk = Desk(db, NoticeConfig(organisation="Haechi", templates_dir=templates), lambda: NOW)
    with db.session() as session:
        [hit] = ReviewStore(session).hits(hit_ids)
    caption = "지우가 올린 영상, 한빛여고 2학년, 연락 010 5550 1234, 인스타 @jw_k97"
    notice = create_notice(
        desk, platform, NoticeKind.TAKEDOWN, [item_for(hit, desk.citations())], NOW,
        extra={"caption": caption, "reply": "desk@haechi.example"},
    )  # fmt: skip
    text = notice.text
    assert url in text and "abuse@board.example" in text and "desk@haechi.example" in text
    assert "+82 2-123-4567" in text  # the team's own number: phone patterns stay off here
    for value in ("지우", "한빛여고", "5550", "jw_k97"):
        assert value not in text.replace(url, ""), value
    assert "[비공개]가 올린 영상" in text
    assert "4 item(s) of the victim's personal data were replaced" in text


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages)


def test_police_packages_are_redacted_unless_she_allowed_her_name(
    db: Database, tmp_path: Path
) -> None:
    from haechi.cases.police import make_police_report
    from haechi.casework.cases import set_consent

    url = "https://board.example/post/7"
    hit_ids = _case_with_hits(db, ["/home/analyst/downloads/지우가_올린_010-5550-1234.jpg", url])
    desk = Desk(db, NoticeConfig(organisation="Haechi"), lambda: NOW)
    package = make_police_report(desk, "C-1", "Mapo", tmp_path / "police")
    facts = (package.folder / "hits.json").read_text(encoding="utf-8")
    pdf = _pdf_text((package.folder / "report.pdf").read_bytes())
    for shown in (facts, pdf):
        assert "지우" not in shown and "5550" not in shown and url in shown.replace("\n", "")
    assert "[비공개]가_올린_[비공개].jpg" in facts
    statement = json.loads((package.folder / "redaction.json").read_text(encoding="utf-8"))
    assert statement["applied"] is True and statement["by_kind"]["name"] >= 1
    assert "redaction.json" in (package.folder / "SHA256SUMS").read_text()
    assert len(hit_ids) == 2

    with db.session() as session:
        set_consent(session, Actor.console(), "C-1", None, True, now=NOW)
    allowed = make_police_report(
        Desk(db, NoticeConfig(organisation="Haechi"), lambda: NOW.replace(hour=10)),
        "C-1",
        "Mapo",
        tmp_path / "police",
    )
    assert "지우가_올린" in (allowed.folder / "hits.json").read_text(encoding="utf-8")
    kept = json.loads((allowed.folder / "redaction.json").read_text(encoding="utf-8"))
    assert kept["applied"] is False and kept["total"] == 0


def test_hash_list_labels_leave_without_her_data(db: Database) -> None:
    from haechi.banks.model import NewEntry
    from haechi.banks.service import export_bank
    from haechi.hashing import Signal, SignalKind
    from haechi.store.banks import BankStore

    with db.session() as session:
        open_case(session, Actor.console(), "C-1", JIWOO, now=NOW)
        banks = BankStore(session)
        banks.get_or_create("victims")
        banks.add_entries(
            "victims",
            [
                NewEntry((Signal(SignalKind.SHA256, "a" * 64),), "지우 사진 1 (한빛여고)", "C-1"),
                NewEntry((Signal(SignalKind.SHA256, "b" * 64),), "call 010-9999-0000", None),
                NewEntry((Signal(SignalKind.SHA256, "c" * 64),), "set 2", None),
            ],
        )
    exported = json.loads(export_bank(db, "victims", "json", with_labels=True))
    labels = sorted(e["label"] for e in exported["entries"])
    assert labels == ["[비공개] 사진 1 ([비공개])", "call [REDACTED]", "set 2"]
