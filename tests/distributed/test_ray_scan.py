"""Scans on a real local Ray cluster give the local runner's hits, and survive dying workers.

One cluster for the module (``ray start --head`` on 127.0.0.1, stopped by process group at the
end, also on failure); ``make test``'s ``--dist loadscope`` keeps the module on one worker.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from haechi.banks.service import register_files
from haechi.cli import app
from haechi.distributed.local_cluster import LocalCluster
from haechi.scan.intake import source_options
from haechi.settings import Settings
from haechi.store.database import open_database
from haechi.store.models import HitRow
from haechi.testkit.photos import registered_photos
from tests.conftest import photo
from tests.sources.sitekit import Site, serve

PAGES = 8
QUIET = {"HAECHI_EVIDENCE_SCREENSHOTS": "false"}  # captures without Chromium: leaner
# Where the re-uploads are: one per registered photo, and the first one's bytes again.
REUPLOADS = {f"/m/{p}-0.jpg" for p in range(PAGES)} | {f"/m/{p}-1.jpg" for p in (0, 3, 6)}


def _jpeg(image: Any, quality: int = 80) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """Pages of three images each: re-uploads of the registered photos among strangers."""
    photos = list(registered_photos().values())
    with serve() as running:
        for p in range(PAGES):
            imgs = []
            for k in range(3):
                path = f"/m/{p}-{k}.jpg"
                if k == 0 and p < len(photos):  # a resized, recompressed re-upload
                    data = _jpeg(photos[p].resize((300, 240)), 70)
                elif k == 1 and p % 3 == 0:  # the same bytes at a second place: a re-hit
                    data = _jpeg(photos[0].resize((300, 240)), 70)
                else:
                    data = _jpeg(photo(100 * p + k))
                running.image(path, data, content_type="image/jpeg", delay=0.05)
                imgs.append(f'<img src="{path}">')
            links = "".join(f'<a href="/p/{n}">{n}</a>' for n in range(1, PAGES) if p == 0)
            running.page("/" if p == 0 else f"/p/{p}", "".join(imgs) + links)
        yield running


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(cpus=2) as running:
        from haechi.distributed.cluster import connect, disconnect

        connect(running.address)
        try:
            yield running
        finally:
            disconnect()


def _home(root: Path, name: str, sqlite: bool = False) -> Settings:
    """A home with every registered photo in one bank, in the same order (same entry ids)."""
    home = root / name
    # Only a named URL is passed: an explicit None would override the PostgreSQL pass's
    # HAECHI_DATABASE_URL, and the scan (which reads the environment) would see another bank.
    url = {"database_url": f"sqlite:///{home / 'haechi.db'}"} if sqlite else {}
    settings = Settings(home=home, workers=1, evidence_screenshots=False, **url)
    db = open_database(settings)
    paths = []
    for label, image in registered_photos().items():
        target = root / f"{name}-{label}.png"
        image.save(target)
        paths.append(target)
    register_files(db, settings, "victims", paths, label="v")
    db.close()
    return settings


def _cli_scan(settings: Settings, site: Site, *extra: str, env: dict[str, str]) -> set[tuple]:
    args = ["--home", str(settings.home), "scan", site.url("/"), "--allow-host", "127.0.0.1"]
    result = CliRunner().invoke(app, [*args, "--json", *extra], env={**QUIET, **env})
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    return {(h["url"], h["page"], h["entry"], h["signal"], h["distance"]) for h in hits}


def _evidence(settings: Settings) -> dict[str, tuple[str, int]]:
    """Each recorded hit's evidence state and number of sealed captures, by URL."""
    db = open_database(settings)
    try:
        with db.session() as session:
            rows = session.scalars(select(HitRow)).all()
            from haechi.store.hit_evidence import HitEvidenceStore

            states = HitEvidenceStore(session).of(r.id for r in rows)
            return {r.location: (r.evidence_state, len(states[r.id].captures)) for r in rows}
    finally:
        db.close()


def test_without_an_address_ray_starts_nothing_and_says_how(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    result = CliRunner().invoke(
        app, ["--home", str(settings.home), "scan", str(tmp_path), "--runner", "ray"]
    )
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "HAECHI_RAY_ADDRESS" in said and "ray start --head" in said


def test_ray_runner_finds_the_local_runners_hits(
    cluster: LocalCluster, site: Site, tmp_path: Path
) -> None:
    local = _home(tmp_path, "local", sqlite=True)
    expected = _cli_scan(local, site, env={"HAECHI_DATABASE_URL": local.resolved_database_url})
    assert {url for url, *_ in expected} == {site.url(path) for path in REUPLOADS}
    distributed = _home(tmp_path, "ray")
    found = _cli_scan(
        distributed, site, "--runner", "ray", env={"HAECHI_RAY_ADDRESS": cluster.address}
    )
    assert found == expected
    evidence = _evidence(distributed)
    assert len(evidence) == len(expected)
    assert all(state == "sealed" and captures == 1 for state, captures in evidence.values())


def test_killed_stage_actors_lose_no_hit_and_no_evidence(
    cluster: LocalCluster, site: Site, tmp_path: Path
) -> None:
    import ray

    from haechi.distributed.runner import RayScanner
    from haechi.scan.preserve import EvidenceKeeper, evidence_config

    settings = _home(tmp_path, "killed")
    db = open_database(settings)
    config = evidence_config(settings, ["127.0.0.1"])
    options = source_options(settings, ["127.0.0.1"])
    killed: list[str] = []
    with EvidenceKeeper(config) as keeper:
        scanner = RayScanner(db, settings, keeper, shards=2, recorders=1, batch=2, window=2)
        done: dict[str, Any] = {}

        def run() -> None:
            done["report"] = scanner.scan(site.url("/"), None, options)

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline and thread.is_alive():
            with db.session() as session:  # kill once the first hits are in
                recorded = len(session.scalars(select(HitRow.id)).all())
            if recorded and "recorder-0" in scanner.actors:
                for name in ("recorder-0", "shard-0"):
                    ray.kill(scanner.actors[name], no_restart=False)
                    killed.append(name)
            time.sleep(0.05)
        thread.join(300)
    db.close()
    assert killed == ["recorder-0", "shard-0"]  # killed mid-scan, restarted by Ray
    report = done["report"]
    assert report.seen == 3 * PAGES and report.failed == 0
    urls = {h.location for h in report.hits}
    assert len(report.hits) == len(urls) and urls == {site.url(path) for path in REUPLOADS}
    evidence = _evidence(settings)
    assert set(evidence) == urls
    assert all(state == "sealed" and captures == 1 for state, captures in evidence.values())
