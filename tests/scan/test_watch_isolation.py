"""Each watch runs on its own: one that fails, however, is recorded and backed off; the rest run."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from tests.conftest import photo
from tests.sources.sitekit import Route, Site, serve

from haechi.banks.service import register_files
from haechi.scan import watching
from haechi.scan.intake import source_options
from haechi.scan.watching import run_due_watches, watch_json
from haechi.settings import Settings
from haechi.sources import Source, SourceOptions
from haechi.store.database import Database
from haechi.store.watches import RETRY_BASE, WatchStore, retry_delay

START = datetime(2026, 11, 1, tzinfo=UTC)


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


@pytest.fixture
def registered(db: Database, settings: Settings, tmp_path: Path) -> None:
    original = tmp_path / "registered.png"
    photo(10, (640, 480)).save(original)
    register_files(db, settings, "victims", [original], label="v")


def add(db: Database, target: str, every: timedelta = timedelta(hours=6)) -> int:
    with db.session() as session:
        return WatchStore(session).add(target, None, every, START).id


def test_a_watch_that_raises_anything_is_recorded_and_the_others_run(
    site: Site,
    db: Database,
    settings: Settings,
    registered: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a hostile site: charset names that used to stop the scan, and a re-upload behind them
    site.image("/m/copy.jpg", jpeg(photo(10, (640, 480)).resize((300, 225))))
    site.routes["/"] = Route(
        b'<meta charset="punycode"><img src="/m/copy.jpg">',
        content_type="text/html; charset=undefined",
    )
    broken = add(db, "https://bug.example/")
    hostile = add(db, site.url("/"))
    opened: list[str] = []

    def open_or_break(target: str, kind: str | None, options: SourceOptions) -> Source:
        opened.append(target)
        if target == "https://bug.example/":  # what a bug anywhere in a source's set-up does
            raise KeyError("no such key")
        return real_open(target, kind, options)

    real_open = watching.open_source
    monkeypatch.setattr(watching, "open_source", open_or_break)
    options = source_options(settings, ["127.0.0.1"])
    runs = {r.watch.id: r for r in run_due_watches(db, settings, options, lambda: START)}
    assert opened == ["https://bug.example/", site.url("/")]

    failed = runs[broken]
    assert failed.report is None and failed.error == "KeyError: 'no such key'"
    assert failed.watch.last_error == "KeyError: 'no such key'"
    assert (failed.watch.runs, failed.watch.failures) == (1, 1)
    assert failed.watch.next_run == START + RETRY_BASE
    assert watch_json(failed.watch)["failures"] == 1

    ok = runs[hostile]
    assert ok.error is None and ok.report is not None
    assert [h.location for h in ok.report.hits] == [site.url("/m/copy.jpg")]
    assert ok.watch.next_run == START + timedelta(hours=6) and ok.watch.failures == 0

    # the broken watch is due again first; the healthy one is not held up by it
    later = START + RETRY_BASE
    [again] = run_due_watches(db, settings, options, lambda: later)
    assert again.watch.id == broken and again.watch.failures == 2
    assert again.watch.next_run == later + 2 * RETRY_BASE


def test_back_off_doubles_up_to_the_interval_and_resets_on_success(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    export = tmp_path / "not-yet"
    watch_id = add(db, str(export), every=timedelta(hours=1))
    options = source_options(settings)
    now = START
    delays = []
    for _ in range(6):
        [run] = run_due_watches(db, settings, options, lambda at=now: at)
        assert run.error is not None and "no such file" in run.error
        delays.append(run.watch.next_run - now)
        now = run.watch.next_run
    minutes = [int(d.total_seconds() // 60) for d in delays]
    assert minutes == [5, 10, 20, 40, 60, 60]

    export.mkdir()  # the folder turns up: the watch succeeds and its normal interval returns
    [run] = run_due_watches(db, settings, options, lambda: now)
    assert run.error is None and run.watch.id == watch_id
    assert run.watch.failures == 0 and run.watch.last_error is None
    assert run.watch.next_run == now + timedelta(hours=1)


@pytest.mark.parametrize(
    ("every", "failures", "delay"),
    [
        (timedelta(hours=6), 0, timedelta(hours=6)),
        (timedelta(hours=6), 1, timedelta(minutes=5)),
        (timedelta(hours=6), 3, timedelta(minutes=20)),
        (timedelta(hours=6), 7, timedelta(hours=5, minutes=20)),
        (timedelta(hours=6), 8, timedelta(hours=6)),
        (timedelta(hours=6), 10_000, timedelta(hours=6)),
        (timedelta(minutes=2), 1, timedelta(minutes=2)),
    ],
)
def test_retry_delay(every: timedelta, failures: int, delay: timedelta) -> None:
    assert retry_delay(every, failures) == delay
