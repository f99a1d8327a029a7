"""``haechi redact --case REF FILE``: the file as it would leave the team, statement apart."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from haechi.cli import app

runner = CliRunner()


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"HAECHI_WORKERS": "1", "HAECHI_DATA_KEY_FILE": str(tmp_path / "keys" / "d.key")}
    result = runner.invoke(app, ["--home", str(tmp_path / "home"), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_a_file_is_printed_redacted_with_its_statement(tmp_path: Path) -> None:
    code, out, _ = run(
        tmp_path, "case", "new", "C-9", "--name", "윤하늘",
        "--contact", "010-5555-6789", "--contact", "@sky_haneul",
        "--contact", "학교: 별빛여자중학교",
    )  # fmt: skip
    assert code == 0, out
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>하늘이 영상</title></head><body>"
        '<img alt="별빛여중 하늘아" src="x.jpg"><p>연락 010 5555 6789 @sky_haneul</p>'
        "<p>하늘색 옷</p></body></html>",
        encoding="utf-8",
    )
    code, out, err = run(tmp_path, "redact", "--case", "C-9", str(page))
    assert code == 0, out + err
    assert "하늘이 영상" not in out and "<title>[비공개]이 영상</title>" in out
    assert 'alt="[비공개] [비공개]아"' in out and "하늘색 옷" in out
    assert "6789" not in out and "sky_haneul" not in out
    assert "Statement of redaction" in err and "하늘" not in err and "6789" not in err

    statement = tmp_path / "redaction.json"
    note = tmp_path / "note.txt"
    note.write_text("하늘아 연락해 010-5555-6789\n", encoding="utf-8")
    code, out, err = run(
        tmp_path, "redact", "--case", "C-9", str(note), "--statement", str(statement)
    )
    assert code == 0 and out == "[비공개]아 연락해 [비공개]\n", out + err
    doc = json.loads(statement.read_text(encoding="utf-8"))
    assert doc["by_kind"] == {"name": 1, "phone": 1} and err == ""


def test_bad_input_gets_a_clear_error(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "case", "new", "C-1")
    assert code == 0, out
    code, out, err = run(tmp_path, "redact", "--case", "C-1", str(tmp_path / "missing.txt"))
    assert code == 2 and "cannot read" in out + err
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    code, out, err = run(tmp_path, "redact", "--case", "C-404", str(tmp_path / "a.txt"))
    assert code != 0 and "C-404" in out + err
