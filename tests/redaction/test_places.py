"""Her school and workplace, recorded in their own sealed fields (``case new --school
--workplace``, the web form), are taken out of what leaves the team with their short forms."""

from __future__ import annotations

import json
from pathlib import Path

from haechi.cases.personal import PersonalData
from haechi.redaction import Terms, redact_text
from tests.redaction.test_cli import run


def test_the_fields_round_trip_and_give_terms() -> None:
    data = PersonalData("윤하늘", school="별빛여자고등학교", workplace="해치물산; Haechi Trading")
    assert PersonalData.from_json(json.loads(json.dumps(data.as_json()))) == data
    assert PersonalData.from_json({"name": "x"}).school == ""  # data sealed before the fields
    terms = Terms.of(data.name, data.contacts, data.school, data.workplace)
    done = redact_text("별빛여고 2학년, 해치물산 알바, Haechi Trading Co. 별빛초등학교", terms)
    assert "별빛여고" not in done.text and "해치물산" not in done.text
    assert "Haechi Trading" not in done.text and "별빛초등학교" in done.text
    assert done.statement.by_kind() == {"school": 1, "workplace": 2}


def test_case_new_seals_them_and_redact_reads_them(tmp_path: Path) -> None:
    code, out, err = run(
        tmp_path, "case", "new", "C-7", "--name", "윤하늘",
        "--school", "별빛여자중학교", "--workplace", "해치물산",
    )  # fmt: skip
    assert code == 0, out + err
    code, out, err = run(tmp_path, "case", "show", "C-7", "--personal", "--json")
    assert code == 0, out + err
    shown = json.loads(out)["personal"]
    assert shown["school"] == "별빛여자중학교" and shown["workplace"] == "해치물산"
    db = (tmp_path / "home").rglob("*.db")
    assert all("별빛".encode() not in p.read_bytes() for p in db)  # sealed at rest
    note = tmp_path / "note.txt"
    note.write_text("별빛여중 다니고 해치물산에서 일함\n", encoding="utf-8")
    code, out, err = run(tmp_path, "redact", "--case", "C-7", str(note))
    assert code == 0 and out == "[비공개] 다니고 [비공개]에서 일함\n", out + err
