"""``haechi admin create`` and ``haechi audit verify/list`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
from typer.testing import CliRunner

from haechi.cli import app
from haechi.settings import Settings
from haechi.store.database import open_database

runner = CliRunner()


def run(settings: Settings, *args: str, code: int = 0, stdin: str | None = None) -> str:
    result = runner.invoke(app, ["--home", str(settings.home), *args], input=stdin)
    assert result.exit_code == code, result.output
    # A success's answer is its standard output (warnings, such as a data key kept inside the
    # home, go to standard error); a refusal's is its message.
    return result.stdout if code == 0 else result.output


def test_admin_create_json_for_provisioning_scripts(settings: Settings, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("a long admin password\n")
    output = run(settings, "admin", "create", "root", "--password-file", str(secret), "--json")
    made = json.loads(output)
    assert set(made) == {"member", "totp_uri", "recovery_codes"}
    assert made["member"] == "root" and len(made["recovery_codes"]) == 10
    assert pyotp.parse_uri(made["totp_uri"]).issuer == "haechi"


def test_admin_create_reads_stdin_and_prints_a_qr_code(settings: Settings) -> None:
    output = run(settings, "admin", "create", "root", stdin="a long admin password\n")
    assert "otpauth://totp/haechi:root" in output
    assert "█" in output or "▀" in output  # the QR code, in block characters
    run(settings, "admin", "create", "root", stdin="a long admin password\n", code=1)


def test_admin_create_refuses_a_short_password(settings: Settings) -> None:
    assert "at least 12" in run(settings, "admin", "create", "x", stdin="short\n", code=1)


def test_audit_verify_and_list(settings: Settings) -> None:
    run(settings, "admin", "create", "root", stdin="a long admin password\n")
    run(settings, "admin", "create", "ana", "--role", "analyst", stdin="a long admin password\n")
    assert "2 rows" in run(settings, "audit", "verify")
    lines = [json.loads(x) for x in run(settings, "audit", "list", "--json").splitlines()]
    assert [(x["kind"], x["subject"]) for x in lines] == [
        ("member.created", "root"),
        ("member.created", "ana"),
    ]
    assert "member.created" in run(settings, "audit", "list", "--member", "ana")
    db = open_database(settings)  # as the database's owner would: past the trigger
    on = " ON audit_events" if db.engine.dialect.name == "postgresql" else ""
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TRIGGER audit_events_no_update{on}")
        conn.exec_driver_sql("UPDATE audit_events SET actor_name = 'someone' WHERE id = 1")
    db.close()
    assert "row 1" in run(settings, "audit", "verify", code=1)
