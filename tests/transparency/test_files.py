"""``haechi report public``: the files hold nothing that could identify a case, their charts
parse, the manifest's signature verifies with ``haechi trust verify`` and every file with
``haechi report public-check``, and a changed byte is caught."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from haechi.cli import mount
from haechi.cli.common import CommandEnv
from haechi.store.models import HitRow
from haechi.store.notices import NoticeStore
from tests.transparency.world import DIRECTORY, HOSTS, OTHER_HOSTS, VICTIMS, World

runner = CliRunner()


def _app(world: World) -> typer.Typer:
    app = typer.Typer()
    env = CommandEnv(world.settings, world.desk.config, world.clock)
    mount(app, lambda: env)
    return app


def _run(world: World, *args: str) -> str:
    result = runner.invoke(_app(world), list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def folder(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "2026-Q4"
    _run(world, "report", "public", "--period", "2026-Q4", "--out", str(out))
    return out


def _secrets(world: World) -> set[str]:
    """Everything of the world a public report must never show."""
    found = set(world.urls) | set(world.labels) | set(VICTIMS) | set(VICTIMS.values())
    found |= set(HOSTS.values()) | set(OTHER_HOSTS) | {"010-1234-5678", "01012345678"}
    found |= {line.split('"')[1] for line in DIRECTORY.splitlines() if "web_form" in line}
    with world.db.session() as session:
        for row in session.query(HitRow):
            found |= {row.location, row.sha256, *(x for x in (row.found_in,) if x)}
        for notice in NoticeStore(session).find():
            found |= {notice.recipient, notice.subject, notice.text_sha256}
            found |= {i.url for i in notice.items} | {i.sha256 for i in notice.items}
    return {s for s in found if s}


def test_the_files(folder: Path) -> None:
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        ["figures.csv", "manifest.json", "report.json", "report.en.html", "report.ko.html"]
        + [
            f"chart-{c}.{lang}.svg"
            for c in ("hours", "never-removed", "notices-per-month")
            for lang in ("ko", "en")
        ]
        + [f"chart-{c}.en.png" for c in ("hours", "never-removed", "notices-per-month")]
    )
    english = (folder / "report.en.html").read_text(encoding="utf-8")
    korean = (folder / "report.ko.html").read_text(encoding="utf-8")
    assert "Share never removed" in english and "Method" in english
    assert "삭제되지 않은 비율" in korean and "집계 방법" in korean
    assert 'href="report.en.html"' in korean and 'href="report.ko.html"' in english
    rows = list(csv.DictReader(io.StringIO((folder / "figures.csv").read_text("utf-8-sig"))))
    vidhub = next(r for r in rows if r["platform"] == "vidhub" and r["period"] == "2026-Q4")
    assert (vidhub["items_reported"], vidhub["median_hours_to_removal"]) == ("15", "5.5")
    board = next(r for r in rows if r["platform"] == "boardnet" and r["period"] == "2026-Q4")
    assert board["notices_sent"] == "suppressed" and board["escalations"] == "suppressed"
    assert json.loads((folder / "report.json").read_text("utf-8"))["period"] == "2026-Q4"


def test_nothing_identifies_a_case(world: World, folder: Path) -> None:
    secrets = _secrets(world)
    assert len(secrets) > 100
    for path in folder.iterdir():
        if path.suffix == ".png":  # pixels: drawn from the English SVG's words, searched there
            continue
        text = path.read_bytes().decode("utf-8").lower()
        leaks = [s for s in secrets if s.lower() in text]
        assert leaks == [], (path.name, leaks[:5])
        assert "://" not in text.replace("http://www.w3.org/2000/svg", "").replace(
            "https://www.w3.org/ns/credentials/v2", ""
        ).replace("did:web", ""), path.name


def test_charts_parse(folder: Path) -> None:
    svg = "{http://www.w3.org/2000/svg}"
    for path in folder.glob("chart-*.svg"):
        root = ET.fromstring(path.read_bytes())
        assert root.tag == f"{svg}svg", path.name
        assert root.find(f"{svg}title") is not None
    hours = ET.fromstring((folder / "chart-hours.en.svg").read_bytes())
    bars = [
        float(r.get("data-hours", "0")) for r in hours.iter(f"{svg}rect") if r.get("data-hours")
    ]
    assert 5.5 in bars and 9.1 in bars  # vidhub's median and 90th percentile
    assert "suppressed" in (folder / "chart-never-removed.en.svg").read_text("utf-8")
    html = (folder / "report.ko.html").read_text("utf-8")
    assert html.count("<svg") == 3
    for path in folder.glob("chart-*.png"):  # drawn, not blank
        with Image.open(path) as image:
            assert image.format == "PNG" and image.width >= 600, path.name
            darkest, lightest = image.convert("L").getextrema()
            assert isinstance(darkest, int) and darkest < 100 < lightest, path.name


def test_signature_and_files_verify_and_a_changed_byte_fails(world: World, folder: Path) -> None:
    out = _run(world, "trust", "verify", str(folder / "manifest.json"))
    assert out.startswith("VALID"), out
    out = _run(world, "report", "public-check", str(folder))
    assert out.startswith("VALID"), out
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["type"] == ["VerifiableCredential", "HaechiTransparencyReportCredential"]
    assert manifest["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert set(manifest["credentialSubject"]["files"]) == {
        p.name for p in folder.iterdir() if p.name != "manifest.json"
    }
    # One byte of a listed file changed: the files' check names it.
    csv_file = folder / "figures.csv"
    original = csv_file.read_bytes()
    csv_file.write_bytes(original.replace(b"vidhub", b"vidhuB", 1))
    result = runner.invoke(_app(world), ["report", "public-check", str(folder)])
    assert result.exit_code == 1 and "changed: figures.csv" in result.output, result.output
    csv_file.write_bytes(original)
    # One byte of the signed manifest changed: the signature fails.
    signed = (folder / "manifest.json").read_bytes()
    (folder / "manifest.json").write_bytes(signed.replace(b"2026-Q4", b"2026-Q3", 1))
    result = runner.invoke(_app(world), ["trust", "verify", str(folder / "manifest.json")])
    assert result.exit_code == 1 and "signature-mismatch" in result.output, result.output
    (folder / "manifest.json").write_bytes(signed)
    assert _run(world, "report", "public-check", str(folder)).startswith("VALID")


def test_bad_input_is_a_clear_error(world: World, tmp_path: Path) -> None:
    for args, message in (
        (["--period", "2026-Q9"], "is not a year"),
        (["--period", "2026-Q4", "--threshold", "3"], "never lowered below 5"),
        (["--period", "2099"], "has not begun"),
    ):
        result = runner.invoke(_app(world), ["report", "public", *args, "--out", str(tmp_path)])
        assert result.exit_code != 0 and message in result.output, result.output
