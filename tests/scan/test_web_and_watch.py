"""Scanning a live site on 127.0.0.1 and watching it: hits carry the page; new media, new hits."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from tests.conftest import photo
from tests.sources.sitekit import Site, serve
from typer.testing import CliRunner

from haechi.banks.service import register_files
from haechi.cli import app
from haechi.scan.intake import source_options
from haechi.scan.watching import parse_interval, run_due_watches
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.watches import WatchStore
from haechi.testkit.photos import registered_photos


def real_photo() -> Image.Image:
    return registered_photos()["coffee"]


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


@pytest.fixture
def registered(db: Database, settings: Settings, tmp_path: Path) -> int:
    original = tmp_path / "orig.png"
    real_photo().save(original)
    [reg] = register_files(db, settings, "victims", [original], label="v")
    assert reg.entry is not None
    return reg.entry.id


def test_scan_a_site_through_the_cli(
    site: Site, registered: int, settings: Settings, db: Database
) -> None:
    site.image("/m/reupload.jpg", jpeg(real_photo().resize((240, 180))))
    site.image("/m/other.jpg", jpeg(photo(7)))
    site.page("/", '<img src="/m/reupload.jpg"><a href="/p2">next</a>')
    site.page("/p2", '<div style="background-image: url(/m/other.jpg)"></div>')
    result = CliRunner().invoke(
        app,
        [
            "--home",
            str(settings.home),
            "scan",
            site.url("/"),
            "--allow-host",
            "127.0.0.1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert len(hits) == 1
    [hit] = hits
    assert hit["url"] == site.url("/m/reupload.jpg")
    assert hit["page"] == site.url("/")
    assert hit["source"] == "web" and hit["entry"] == registered


def test_private_addresses_are_refused_without_allow_list(settings: Settings) -> None:
    result = CliRunner().invoke(
        app, ["--home", str(settings.home), "scan", "http://169.254.169.254/latest/meta-data/"]
    )
    assert "Traceback" not in result.output
    assert "refused" in result.output.lower() or result.exit_code != 0


def test_watch_finds_new_media_on_later_runs(
    site: Site, registered: int, settings: Settings, db: Database
) -> None:
    site.page("/", '<img src="/m/a.jpg">')
    site.image("/m/a.jpg", jpeg(photo(3)))
    options = source_options(settings, ["127.0.0.1"])
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with db.session() as session:
        WatchStore(session).add(site.url("/"), None, parse_interval("6h"), start)

    now = [start]
    [first] = run_due_watches(db, settings, options, lambda: now[0])
    assert first.error is None and first.report is not None and first.report.hits == []
    assert run_due_watches(db, settings, options, lambda: now[0] + timedelta(hours=1)) == []

    site.page("/", '<img src="/m/a.jpg"><img src="/m/b.jpg">')
    site.image("/m/b.jpg", jpeg(real_photo(), quality=60))
    now[0] = start + timedelta(hours=6)
    [second] = run_due_watches(db, settings, options, lambda: now[0])
    assert second.report is not None
    assert [h.location for h in second.report.hits] == [site.url("/m/b.jpg")]
    assert second.watch.runs == 2 and second.watch.last_error is None
    assert second.watch.next_run == now[0] + timedelta(hours=6)


def test_a_failing_watch_records_why_and_others_still_run(
    site: Site, settings: Settings, db: Database, tmp_path: Path
) -> None:
    site.page("/", "<p>nothing here</p>")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with db.session() as session:
        store = WatchStore(session)
        store.add(str(tmp_path / "gone-export"), None, timedelta(hours=1), start)
        store.add(site.url("/"), None, timedelta(hours=1), start)
    runs = run_due_watches(db, settings, source_options(settings, ["127.0.0.1"]), lambda: start)
    assert [r.error is None for r in runs] == [False, True]
    assert "no such file" in (runs[0].error or "")


@pytest.mark.parametrize("text", ["6h", "30m", "1d", "1h30m", "2w"])
def test_intervals(text: str) -> None:
    assert parse_interval(text) > timedelta(0)


def test_bad_interval() -> None:
    from haechi.errors import HaechiError

    with pytest.raises(HaechiError, match="not an interval"):
        parse_interval("soon")
