"""A web hit is preserved when found; its bundle verifies offline, and tampering shows."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from tests.sources.sitekit import Site, serve
from typer.testing import CliRunner

from haechi.banks.service import register_files
from haechi.cli import app
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.testkit.photos import registered_photos


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=75)
    return buffer.getvalue()


def test_hit_to_sealed_capture_to_verified_bundle(
    site: Site, settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAECHI_EVIDENCE_SCREENSHOTS", "0")
    photo = registered_photos()["chelsea"]
    original = tmp_path / "orig.png"
    photo.save(original)
    register_files(db, settings, "victims", [original])
    site.image("/img/leak.jpg", _jpeg(photo.resize((300, 200))), content_type="image/jpeg")
    site.page("/board/7", '<h1>post</h1><img src="/img/leak.jpg">')
    runner = CliRunner()
    home = ["--home", str(settings.home)]

    scanned = runner.invoke(
        app, [*home, "scan", site.url("/board/7"), "--allow-host", "127.0.0.1", "--json"]
    )
    assert scanned.exit_code == 0, scanned.output
    [hit] = [json.loads(x) for x in scanned.output.splitlines() if x.startswith("{")]

    bundle = tmp_path / "case.wacz"
    exported = runner.invoke(app, [*home, "export", str(hit["id"]), "--out", str(bundle)])
    assert exported.exit_code == 0, exported.output
    verified = runner.invoke(app, [*home, "verify", str(bundle)])
    assert verified.exit_code == 0, verified.output
    assert "PASS" in verified.output

    with zipfile.ZipFile(bundle) as archive:
        warc = archive.read("archive/data.warc.gz")
        manifest = [
            json.loads(line) for line in archive.read("haechi/log-entries.jsonl").splitlines()
        ]
    assert any(e["kind"] == "captured" for e in manifest)
    assert warc  # the page and media are in the WARC

    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "pages/pages.jsonl":
                data = data.replace(b"board", b"b0ard")
            dst.writestr(info, data)
    failed = runner.invoke(app, [*home, "verify", str(tampered)])
    assert failed.exit_code == 1
    assert "FAIL" in failed.output


def test_export_of_a_hit_without_capture_says_why(settings: Settings, db: Database) -> None:
    result = CliRunner().invoke(
        app, ["--home", str(settings.home), "export", "12345", "--out", "x.wacz"]
    )
    assert result.exit_code == 1
    assert "hit 12345 has no capture" in result.output
