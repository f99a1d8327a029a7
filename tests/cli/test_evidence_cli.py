"""The evidence commands as an analyst types them: export that names what is missing,
repair, ``scan --preserve``, key encryption and rotation, and the home's permissions."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haechi.cli import app

runner = CliRunner()


def run(home: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    base = {"HAECHI_EVIDENCE_SCREENSHOTS": "0"}
    result = runner.invoke(app, ["--home", str(home), *args], env={**base, **(env or {})})
    return result.exit_code, result.output


@pytest.fixture
def board(make_photo: Callable[..., Path]) -> Iterator[str]:
    """A loopback board re-posting photo 7 at /a.jpg."""
    photo = make_photo(7).read_bytes()
    page = b'<html><body><img src="/a.jpg"></body></html>'

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = {"/": (page, "text/html"), "/a.jpg": (photo, "image/jpeg")}.get(
                self.path, (b"", "text/plain")
            )
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_export_carries_what_has_evidence_and_names_what_has_not(
    tmp_path: Path, make_photo: Callable[..., Path], board: str
) -> None:
    home = tmp_path / "h"
    assert run(home, "bank", "add", "victims", str(make_photo(7)))[0] == 0
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "copy.jpg").write_bytes(make_photo(7).read_bytes())
    code, output = run(home, "scan", str(inbox))  # a folder hit: no capture unless --preserve
    assert code == 0, output
    code, output = run(home, "scan", board, "--allow-host", "127.0.0.1")
    assert code == 0, output
    assert "1 captures sealed" in output
    folder_hit, web_hit = "1", "2"
    bundle = tmp_path / "case.wacz"
    code, output = run(home, "export", folder_hit, web_hit, "--out", str(bundle))
    assert code == 1, output
    assert bundle.exists() and "1 hit(s) have no capture" in output
    assert f"hit {folder_hit}" in output
    code, output = run(home, "verify", str(bundle))
    assert code == 0, output
    result = runner.invoke(app, ["--home", str(home), "audit", "list", "--json"])
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert kinds.count("evidence.exported") == 1

    code, output = run(home, "evidence", "repair")
    assert code == 0, output
    assert "0 still pending" in output


def test_scan_preserve_seals_folder_hits(tmp_path: Path, make_photo: Callable[..., Path]) -> None:
    home = tmp_path / "h"
    assert run(home, "bank", "add", "victims", str(make_photo(3)))[0] == 0
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "copy.jpg").write_bytes(make_photo(3).read_bytes())
    code, output = run(home, "scan", str(inbox), "--preserve")
    assert code == 0, output
    bundle = tmp_path / "folder.wacz"
    code, output = run(home, "export", "1", "--out", str(bundle))
    assert code == 0, output
    assert run(home, "verify", str(bundle))[0] == 0


def test_key_encrypted_then_rotated_keeps_old_bundles_verifying(
    tmp_path: Path, board: str, make_photo: Callable[..., Path]
) -> None:
    home = tmp_path / "h"
    assert run(home, "bank", "add", "victims", str(make_photo(7)))[0] == 0
    assert run(home, "scan", board, "--allow-host", "127.0.0.1")[0] == 0
    old_bundle = tmp_path / "old.wacz"
    assert run(home, "export", "1", "--out", str(old_bundle))[0] == 0

    code, output = run(home, "evidence", "encrypt-key")
    assert code == 2 and "HAECHI_KEY_PASSPHRASE" in output, output
    secret = {"HAECHI_KEY_PASSPHRASE": "correct horse battery staple, long enough"}
    code, output = run(home, "evidence", "encrypt-key", env=secret)
    assert code == 0, output
    key_file = home / "evidence" / "signing-key.pem"
    assert b"ENCRYPTED" in key_file.read_bytes()
    code, output = run(home, "evidence", "rotate-key", env=secret)
    assert code == 0, output
    assert "retired key" in output and "new key" in output
    result = runner.invoke(app, ["--home", str(home), "audit", "list", "--json"], env=secret)
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert "signing_key.rotated" in kinds
    code, output = run(home, "verify", str(old_bundle), env=secret)
    assert code == 0, output


def test_home_check_names_loose_files_and_secure_fixes_them(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert run(home, "bank", "list")[0] == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    if "HAECHI_DATABASE_URL" not in os.environ:  # the PostgreSQL pass keeps no file there
        assert stat.S_IMODE((home / "haechi.db").stat().st_mode) == 0o600
    loose = home / "notes.txt"
    loose.write_text("copied in by hand")
    os.chmod(loose, 0o644)
    code, output = run(home, "home", "check")
    assert code == 1 and "notes.txt" in output, output
    code, output = run(home, "bank", "list")  # every command warns, and still works
    assert code == 0 and "warning" in output, output
    code, output = run(home, "home", "secure")
    assert code == 0, output
    code, output = run(home, "home", "check")
    assert code == 0, output


def test_bank_export_leaves_labels_home_unless_asked(
    tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    home = tmp_path / "h"
    code, _ = run(home, "bank", "add", "victims", str(make_photo(4)), "--label", "Kim set")
    assert code == 0
    code, output = run(home, "bank", "export", "victims", "--format", "json")
    assert code == 0 and "Kim set" not in output, output
    code, output = run(home, "bank", "export", "victims", "--format", "json", "--with-labels")
    assert code == 0 and "Kim set" in output, output
    result = runner.invoke(app, ["--home", str(home), "audit", "list", "--json"])
    exported = [
        e for e in map(json.loads, result.stdout.splitlines()) if e["kind"] == "bank.exported"
    ]
    assert [e["detail"]["labels"] for e in exported] == [False, True]


def test_watch_run_exits_1_when_a_watch_failed(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert run(home, "watch", "add", "http://127.0.0.1:9/", "--every", "1h")[0] == 0
    code, output = run(home, "watch", "run", "--allow-host", "127.0.0.1")
    assert code == 1, output
    code, output = run(home, "watch", "list", "--json")
    assert code == 0 and json.loads(output.splitlines()[-1])["failures"] == 1, output


def test_a_withdrawal_is_audited(tmp_path: Path, make_photo: Callable[..., Path]) -> None:
    home = tmp_path / "h"
    assert run(home, "bank", "add", "victims", str(make_photo(4)))[0] == 0
    code, output = run(home, "bank", "withdraw", "1")
    assert code == 0 and "entry 1 withdrawn" in output, output
    result = runner.invoke(app, ["--home", str(home), "audit", "list", "--json"])
    [row] = [
        r for r in map(json.loads, result.stdout.splitlines()) if r["kind"] == "entries.withdrawn"
    ]
    assert row["detail"] == {"entries": [1], "notices_discarded": []}
    assert row["actor"] == "console"
