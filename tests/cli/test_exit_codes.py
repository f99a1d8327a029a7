"""Exit codes scripts rely on (0 ok, 1 some items failed, 2 usage, 3 the target failed), the
version, settings as people type them, and what ``scan`` prints."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haechi import __version__
from haechi.cli import app
from haechi.settings import Settings, load_settings

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(home), *args])
    return result.exit_code, result.output


@pytest.fixture
def site(make_photo: Callable[..., Path]) -> Iterator[str]:
    """A loopback site: ``/`` links a photo that is there and one that is not."""
    photo = make_photo(21).read_bytes()
    page = b'<html><body><img src="/a.jpg"><img src="/gone.jpg"></body></html>'

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = {
                "/": (page, "text/html"),
                "/a.jpg": (photo, "image/jpeg"),
            }.get(self.path, (b"not here", "text/plain"))
            self.send_response(200 if body != b"not here" else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_version_prints_and_exits_0(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"haechi {__version__}"


def test_help_documents_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "0 ok; 1 some items failed" in flat and "3 the target itself failed" in flat


def test_list_settings_take_commas_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAECHI_ALLOW_HOSTS", "127.0.0.1, 10.0.0.0/8")
    assert load_settings().allow_hosts == ["127.0.0.1", "10.0.0.0/8"]
    monkeypatch.setenv("HAECHI_ALLOW_HOSTS", '["::1"]')
    assert load_settings().allow_hosts == ["::1"]
    monkeypatch.setenv("HAECHI_REMOVED_MARKERS", '["gone, for good", "removed"]')
    assert load_settings().removed_markers == ["gone, for good", "removed"]
    assert Settings(evidence_trusted_keys="k1,k2").evidence_trusted_keys == ["k1", "k2"]  # type: ignore[arg-type]


def test_bad_setting_is_a_message_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAECHI_ALLOW_HOSTS", "127.0.0.1")
    assert runner.invoke(app, ["--help"]).exit_code == 0
    monkeypatch.setenv("HAECHI_PDQ_RADIUS", "wide")
    result = runner.invoke(app, ["bank", "--help"])
    assert result.exit_code == 0, result.output  # help works whatever the settings hold
    code, output = run(tmp_path / "h", "bank", "list")
    assert code == 2, output
    assert "HAECHI_PDQ_RADIUS" in output and "Traceback" not in output


def test_scan_of_a_refused_private_target_exits_3_and_names_allow_host(
    tmp_path: Path, site: str
) -> None:
    code, output = run(tmp_path / "h", "scan", site + "/")
    assert code == 3, output
    assert "--allow-host 127.0.0.1" in output and "the target failed" in output


def test_scan_of_a_missing_page_exits_3(tmp_path: Path, site: str) -> None:
    code, output = run(tmp_path / "h", "scan", site + "/missing", "--allow-host", "127.0.0.1")
    assert code == 3, output
    assert "HTTP 404" in output


def test_scan_of_a_closed_port_exits_3(tmp_path: Path) -> None:
    code, output = run(tmp_path / "h", "scan", "http://127.0.0.1:9/", "--allow-host", "127.0.0.1")
    assert code == 3, output


def test_scan_with_some_items_failed_exits_1(tmp_path: Path, site: str) -> None:
    code, output = run(tmp_path / "h", "scan", site + "/", "--allow-host", "127.0.0.1")
    assert code == 1, output
    assert "/gone.jpg" in output and "1 hashed" in output


def test_scan_summary_reads_clearly_and_hits_show_full_urls(
    tmp_path: Path, make_photo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "h"
    original = make_photo(5)
    assert run(home, "bank", "add", "victims", str(original))[0] == 0
    deep = tmp_path / ("a-very-long-folder-name-" * 4) / "inbox"
    deep.mkdir(parents=True)
    (deep / "copy.jpg").write_bytes(original.read_bytes())
    code, output = run(home, "scan", str(deep))
    assert code == 0, output
    assert "1 item: 1 hashed, 0 already known or not media, 0 failed; 1 new hit" in output
    code, output = run(home, "scan", str(deep))  # the same file again: known, no new hit
    assert "1 item: 0 hashed, 1 already known or not media, 0 failed; 0 new hits" in output
    code, output = run(home, "hits")
    assert code == 0, output
    assert str(deep / "copy.jpg") in "".join(output.split())  # folded, never cut short
    assert "…" not in output


def test_relative_home_and_target(
    tmp_path: Path, make_photo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    original = make_photo(6)
    Path("downloads").mkdir()
    Path("downloads/copy.jpg").write_bytes(original.read_bytes())
    assert run(Path("haechi-data"), "bank", "add", "victims", str(original))[0] == 0
    code, output = run(Path("haechi-data"), "scan", "./downloads", "--json")
    assert code == 0, output
    [hit] = [json.loads(x) for x in output.splitlines() if x.startswith("{")]
    assert hit["path"].endswith("copy.jpg")
