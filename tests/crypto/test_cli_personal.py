"""``haechi case new --name --contact``, ``case show --personal``, ``case find`` and
``haechi keys``: what they print, their exit codes, and that the data goes in sealed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from haechi.cli import app
from tests.crypto.conftest import EMAIL, LATIN_NAME, NAME, NOTES, PHONE

runner = CliRunner()


def run(tmp_path: Path, *args: str, key_inside: bool = False) -> tuple[int, str]:
    env = {
        "HAECHI_WORKERS": "1",
        "HAECHI_DATA_KEY_FILE": str(
            tmp_path / "home" / "keys" / "data.key" if key_inside else tmp_path / "keys" / "d.key"
        ),
    }
    result = runner.invoke(app, ["--home", str(tmp_path / "home"), *args], env=env)
    return result.exit_code, result.output


def test_a_case_with_personal_data_from_the_command_line(tmp_path: Path) -> None:
    code, output = run(
        tmp_path,
        "case", "new", "C-7",
        "--name", f"{NAME} {LATIN_NAME}",
        "--contact", PHONE, "--contact", EMAIL,
        "--notes", NOTES,
        "--consent", "contact", "--consent", "police",
    )  # fmt: skip
    assert code == 0 and "case C-7 opened" in output, output
    raw = b"".join(p.read_bytes() for p in (tmp_path / "home").glob("haechi.db*"))
    assert NAME.encode() not in raw and PHONE.encode() not in raw and b"Zelmira" not in raw

    code, output = run(tmp_path, "case", "show", "C-7", "--personal")
    assert code == 0, output
    assert f"name: {NAME} {LATIN_NAME}" in output and f"contact: {PHONE}" in output
    assert "consent: contact, police" in output and NOTES in output
    code, output = run(tmp_path, "case", "show", "C-7", "--personal", "--json")
    assert json.loads(output)["personal"]["contacts"] == [PHONE, EMAIL]

    code, output = run(tmp_path, "case", "find", "01098765432")
    assert code == 0 and output.strip() == "C-7", output
    code, output = run(tmp_path, "case", "find", "zelmira.q@example.ORG", "--json")
    assert json.loads(output) == {"case": "C-7"}

    code, output = run(tmp_path, "audit", "list", "--json")
    if code == 0:  # the audit command's listing, when it has one
        assert "case.personal.viewed" in output and NAME not in output

    code, output = run(tmp_path, "case", "new", "C-8", "--consent", "everything")
    assert code != 0 and "unknown consent 'everything'" in output


def test_keys_status_and_rotate(tmp_path: Path) -> None:
    code, output = run(tmp_path, "case", "new", "C-1", "--name", NAME, "--contact", PHONE)
    assert code == 0, output
    code, output = run(tmp_path, "keys", "status", "--json")
    assert code == 0, output
    before = json.loads(output)
    assert before["sealed"] == {before["current"]: 1}
    code, output = run(tmp_path, "keys", "rotate")
    assert code == 0 and "rotated to data key" in output and "1 case(s)" in output, output
    assert f"retired: {before['current']}" in output
    code, output = run(tmp_path, "keys", "status", "--json")
    after = json.loads(output)
    assert after["current"] != before["current"] and after["sealed"] == {after["current"]: 1}
    code, output = run(tmp_path, "case", "show", "C-1", "--personal")
    assert code == 0 and NAME in output


def test_a_key_inside_the_home_is_warned_about(tmp_path: Path) -> None:
    code, output = run(tmp_path, "case", "new", "C-1", "--name", NAME, key_inside=True)
    assert code == 0
    code, output = run(tmp_path, "keys", "status", key_inside=True)
    assert code == 0 and "inside HAECHI_HOME" in output, output


def test_a_wrong_key_file_is_a_clear_error(tmp_path: Path) -> None:
    code, output = run(tmp_path, "case", "new", "C-1", "--name", NAME)
    assert code == 0
    (tmp_path / "keys" / "d.key").rename(tmp_path / "kept.key")
    code, output = run(tmp_path, "case", "show", "C-1", "--personal")
    assert code == 2 and "no data key" in output and "Restore the key file" in output, output
    # Nor is a new key made beside the lost one: the home would be under two keys.
    code, output = run(tmp_path, "case", "new", "C-2", "--name", NAME)
    assert code == 2 and "no data key" in output, output
    assert not (tmp_path / "keys" / "d.key").exists()
    from haechi.crypto.keys import FileKeyProvider

    FileKeyProvider(tmp_path / "keys" / "d.key").create()  # another key at the same place
    code, output = run(tmp_path, "case", "show", "C-1", "--personal")
    assert code == 2 and "sealed under data key" in output, output
    (tmp_path / "kept.key").replace(tmp_path / "keys" / "d.key")
    code, output = run(tmp_path, "case", "show", "C-1", "--personal")
    assert code == 0 and NAME in output, output
