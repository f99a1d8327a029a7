"""``haechi api-keys`` and ``haechi bank share`` through the real CLI on a scratch home."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from haechi.cli import app
from haechi.platform_api.keys import digest
from haechi.settings import Settings
from haechi.store.database import open_database
from haechi.store.platform_api_models import ApiKeyRow, BankShareRow

runner = CliRunner()


def _json_lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_keys_and_shares_from_the_console(tmp_path: Path) -> None:
    env = {"HAECHI_HOME": str(tmp_path / "home")}
    assert runner.invoke(app, ["bank", "create", "victims"], env=env).exit_code == 0

    made = runner.invoke(app, ["api-keys", "create", "pics.example", "--json"], env=env)
    assert made.exit_code == 0, made.output
    printed = json.loads(made.stdout)  # the whole output is one JSON object
    assert list(printed) == ["platform", "key"] and printed["platform"] == "pics.example"
    secret = str(printed["key"])
    assert secret.startswith("hk_") and len(secret) > 40

    limited = runner.invoke(
        app,
        ["api-keys", "create", "boards", "--scope", "lookup", "--rate", "5", "--quota", "70"],
        env=env,
    )
    assert limited.exit_code == 0, limited.output
    assert "shown once" in limited.stdout
    bad = runner.invoke(app, ["api-keys", "create", "x", "--scope", "everything"], env=env)
    assert bad.exit_code == 2 and "unknown scope" in bad.output

    listed = _json_lines(runner.invoke(app, ["api-keys", "list", "--json"], env=env).stdout)
    assert [k["platform"] for k in listed] == ["pics.example", "boards"]
    assert listed[1]["scopes"] == ["lookup"] and listed[1]["rate_per_second"] == 5
    assert listed[1]["daily_quota"] == 70 and listed[0]["last_used_at"] is None
    assert secret not in json.dumps(listed)  # never the secret again

    settings = Settings(home=tmp_path / "home")
    db = open_database(settings)
    try:
        with db.session() as session:
            row = session.query(ApiKeyRow).filter_by(platform="pics.example").one()
            assert row.digest == digest(secret)  # stored as its digest only
            key_id = row.id
    finally:
        db.close()
    revoked = runner.invoke(app, ["api-keys", "revoke", str(key_id)], env=env)
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    twice = runner.invoke(app, ["api-keys", "revoke", str(key_id)], env=env)
    assert twice.exit_code == 2 and "already revoked" in twice.output
    listed = _json_lines(runner.invoke(app, ["api-keys", "list", "--json"], env=env).stdout)
    assert listed[0]["revoked_at"] is not None and listed[1]["revoked_at"] is None

    shared = runner.invoke(app, ["bank", "share", "victims", "--as", "KR-NCII"], env=env)
    assert shared.exit_code == 0 and "KR-NCII" in shared.stdout
    again = runner.invoke(app, ["bank", "share", "victims"], env=env)
    assert again.exit_code == 2 and "already shared" in again.output
    stopped = runner.invoke(app, ["bank", "share", "victims", "--stop"], env=env)
    assert stopped.exit_code == 0 and "no longer shared" in stopped.stdout
    not_shared = runner.invoke(app, ["bank", "share", "victims", "--stop"], env=env)
    assert not_shared.exit_code == 2 and "not shared" in not_shared.output
    db = open_database(settings)
    try:
        with db.session() as session:
            [share] = session.query(BankShareRow).all()
            assert share.public_name == "KR-NCII" and share.stopped_at is not None
    finally:
        db.close()

    stats = _json_lines(runner.invoke(app, ["api-keys", "stats", "--json"], env=env).stdout)
    assert {s["platform"] for s in stats} == {"pics.example", "boards"}
    assert set(stats[0]) == {
        "platform",
        "lookups",
        "matches",
        "confirmed",
        "false_positives",
        "removed",
    }
    queue = runner.invoke(app, ["api-keys", "feedback", "--accept", "99"], env=env)
    assert queue.exit_code == 2 and "no platform feedback with id 99" in queue.output
