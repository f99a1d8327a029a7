"""The operations commands through the CLI: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from haechi.cli import app
from haechi.settings import Settings
from tests.ops.conftest import PASSPHRASE

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str]:
    env = {
        "HAECHI_DATABASE_URL": f"sqlite:///{home / 'haechi.db'}",
        "HAECHI_KEY_PASSPHRASE": PASSPHRASE,
        "HAECHI_WORKERS": "1",
    }
    result = runner.invoke(app, ["--home", str(home), *args], env=env)
    return result.exit_code, result.output


def test_keygen_backup_verify_drill_restore_and_doctor(tmp_path: Path, home: Settings) -> None:
    identity = tmp_path / "id.txt"
    code, output = run(home.home, "backup", "keygen", str(identity))
    assert code == 0 and "public key: age1" in output
    assert identity.stat().st_mode & 0o777 == 0o600
    code, output = run(home.home, "backup", "--out", str(tmp_path / "b.age"), "--json")
    assert code == 0, output
    made = json.loads(output.splitlines()[-1])
    assert made["kind"] == "full" and made["signing_key_included"] is True

    code, output = run(home.home, "backup", "verify", str(tmp_path / "b.age"), "-i", str(identity))
    assert code == 0 and "every check held" in output and "2 hits" in output, output
    code, output = run(home.home, "backup", "drill", "-i", str(identity))
    assert code == 0 and "good" in output, output

    target = tmp_path / "restored"
    args = ("restore", str(tmp_path / "b.age"), "--to", str(target), "-i", str(identity))
    code, output = run(home.home, *args)
    assert code == 0 and f"restored into {target}" in output, output
    code, output = run(home.home, *args)
    assert code == 2 and "not empty" in output

    code, output = run(home.home, "doctor")
    assert code == 0 and "evidence log verifies" in output, output
    (home.home / "haechi.db").write_bytes(b"broken" * 100)
    code, output = run(home.home, "doctor", "--json")
    assert code == 1
    findings = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert "database-unreadable" in {f["code"] for f in findings}


def test_backup_without_recipients_says_how_to_make_them(tmp_path: Path, home: Settings) -> None:
    code, output = run(home.home, "backup", "--out", str(tmp_path / "b.age"))
    assert code == 2 and "haechi backup keygen" in output
    assert not (tmp_path / "b.age").exists()


def test_retention_commands(tmp_path: Path, home: Settings) -> None:
    assert run(home.home, "case", "new", "C-2026-7")[0] == 0
    assert run(home.home, "case", "add", "C-2026-7", "--hit", "1")[0] == 0
    code, output = run(home.home, "retention", "keep", "C-2026-7", "--days", "0")
    assert code == 0, output
    code, output = run(home.home, "retention", "close", "C-2026-7")
    assert code == 0 and "closed" in output, output
    code, output = run(home.home, "retention", "run", "--json")
    assert code == 0, output
    [done] = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert done["case"] == "C-2026-7" and len(done["destroyed"]) == 1
    code, output = run(home.home, "retention", "list")
    assert code == 0 and "C-2026-7" in output and "destroyed 20" in output
    code, output = run(home.home, "retention", "destroy", "nobody-1")
    assert code == 1 and "no case" in output
