"""Crawl + hash + match + record of a loopback site: the local runner against Ray.

The bench serves a generated site from its own process on 127.0.0.1 (a random port):
``--pages`` pages (default 20,000) in a tree of fan-out 10, each showing one image of its own
(a 64x48 photo-like PNG, so every image is a real fetch and a real hash); one page in
``--match-every`` (default 100) shows instead a resized JPEG of one of the eight registered
photos (:func:`haechi.testkit.photos.registered_photos`), which must come out as a hit.

Runs, each in a fresh home whose bank holds the eight photos (evidence capture off: this
measures the scan, not the capture):

- *local*: ``haechi scan``'s :class:`~haechi.scan.pipeline.Scanner` with 2 hashing processes;
- *ray, N CPU*: :class:`~haechi.distributed.runner.RayScanner` on a fresh local cluster
  (``ray start --head --num-cpus=N`` on 127.0.0.1), index in 2 shards, 1 recorder; this
  machine cannot hold two Ray nodes on the loopback address, so "workers" are the CPUs Ray
  schedules hash tasks on;
- the same on PostgreSQL when ``HAECHI_BENCH_DATABASE_URL`` names a role that may create
  databases (one fresh database per run; ``.ci/postgres`` starts such a server).

Then the per-stage costs, each measured alone on one core over a sample, and a projection
(stated as such, not measured) of pages/s per node from them.

    .venv/bin/python bench/scale.py                # 20,000 pages
    .venv/bin/python bench/scale.py --pages 2000   # a quick run
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import create_engine, make_url, text

from haechi.banks.service import register_files
from haechi.hashing import hash_bytes
from haechi.scan.intake import intake, source_options
from haechi.scan.pipeline import Scanner
from haechi.settings import Settings
from haechi.sources import open_source
from haechi.store.database import open_database
from haechi.store.media import MediaStore
from haechi.testkit.photos import registered_photos
from loopback import serve_answers

SAMPLE = 256


def _png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    img = Image.fromarray(coarse).resize((64, 48), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def make_site(pages: int, match_every: int) -> dict[bytes, tuple[bytes, bytes]]:
    """Path -> (content type, body)."""
    photos = list(registered_photos().values())
    site: dict[bytes, tuple[bytes, bytes]] = {}
    for i in range(pages):
        links = "".join(f'<a href="/p/{c}">{c}</a>' for c in range(10 * i + 1, 10 * i + 11)
                        if c < pages)  # fmt: skip
        if i % match_every == 0:
            k = i // match_every
            img = photos[k % len(photos)].convert("RGB").resize((240 + k % 50, 180))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=75)
            site[f"/i/{i}.jpg".encode()] = (b"image/jpeg", out.getvalue())
            src = f"/i/{i}.jpg"
        else:
            site[f"/i/{i}.png".encode()] = (b"image/png", _png(i))
            src = f"/i/{i}.png"
        html = f"<html><body><img src='{src}'>{links}</body></html>"
        site[b"/" if i == 0 else f"/p/{i}".encode()] = (b"text/html", html.encode())
    return site


def _serve(pages: int, match_every: int, port_out: Connection) -> None:
    answers = {
        path: b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
        + str(len(body)).encode() + b"\r\n\r\n" + body
        for path, (ctype, body) in make_site(pages, match_every).items()
    }  # fmt: skip
    serve_answers(answers, port_out)


@dataclass
class Run:
    name: str
    database: str
    pages: int
    seconds: float
    hits: int
    failed: int

    def row(self) -> str:
        rate = self.pages / self.seconds
        return (f"| {self.name} | {self.database} | {self.pages} | {self.seconds:.1f} | "
                f"{rate:.1f} | {self.hits} | {self.failed} |")  # fmt: skip


def _home(root: Path, name: str, database_url: str | None) -> Settings:
    settings = Settings(
        home=root / name, workers=2, evidence_capture=False, database_url=database_url
    )
    db = open_database(settings)
    paths = []
    for label, image in registered_photos().items():
        path = root / f"{label}.png"
        if not path.exists():
            image.save(path)
        paths.append(path)
    register_files(db, settings, "victims", paths, label="bench")
    db.close()
    return settings


def _fresh_postgres(admin_url: str, name: str) -> str:
    url = make_url(admin_url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _options(settings: Settings, pages: int) -> object:
    from dataclasses import replace

    options = source_options(settings, ["127.0.0.1"], max_depth=8, max_pages=pages + 10)
    return replace(options, cache=None)  # no conditional requests: every run fetches all


def run_local(settings: Settings, seed: str, pages: int, db_name: str) -> Run:
    db = open_database(settings)
    try:
        start = time.perf_counter()
        source = open_source(seed, "web", _options(settings, pages))  # type: ignore[arg-type]
        report = Scanner(db, settings).scan_source(source, seed)
        took = time.perf_counter() - start
    finally:
        db.close()
    return Run("local (2 hashing processes)", db_name, report.seen, took, len(report.hits),
               report.failed)  # fmt: skip


def run_ray(settings: Settings, seed: str, pages: int, cpus: int, db_name: str) -> Run:
    from haechi.distributed.cluster import connect, disconnect
    from haechi.distributed.local_cluster import LocalCluster
    from haechi.distributed.runner import RayScanner

    with LocalCluster(cpus=cpus, object_store_bytes=500 * 1024 * 1024) as cluster:
        connect(cluster.address)
        db = open_database(settings)
        try:
            start = time.perf_counter()
            scanner = RayScanner(db, settings, None, shards=2, recorders=1)
            report = scanner.scan(seed, "web", _options(settings, pages))  # type: ignore[arg-type]
            took = time.perf_counter() - start
        finally:
            db.close()
            disconnect()
    return Run(f"ray, {cpus} CPU", db_name, report.seen, took, len(report.hits), report.failed)


def stage_costs(settings: Settings, seed: str) -> list[tuple[str, float]]:
    """Seconds per item of each stage alone, on one core, over a sample of the site."""
    from haechi.scan.model import Found

    options = source_options(settings, ["127.0.0.1"], max_depth=8, max_pages=SAMPLE + 10)
    start = time.perf_counter()
    found = [i for i in intake(open_source(seed, "web", options)) if isinstance(i, Found)]
    fetch = (time.perf_counter() - start) / max(1, len(found))
    db = open_database(settings)
    scanner = Scanner(db, settings)
    opts = scanner.hash_options()
    start = time.perf_counter()
    hashed = [hash_bytes(f.payload, opts) for f in found if isinstance(f.payload, bytes)]
    hashing = (time.perf_counter() - start) / max(1, len(hashed))
    start = time.perf_counter()
    for k in range(0, len(hashed), 64):
        scanner.matcher.match(hashed[k : k + 64])
    match = (time.perf_counter() - start) / max(1, len(hashed))
    start = time.perf_counter()
    with db.session() as session:
        store = MediaStore(session)
        for media in hashed:
            store.record(media)
    record = (time.perf_counter() - start) / max(1, len(hashed))
    db.close()
    return [("fetch (crawl, page + image)", fetch), ("hash", hashing), ("match", match),
            ("record (media row)", record)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--match-every", type=int, default=100)
    parser.add_argument("--cpus", default="1,2", help="Ray CPU counts to run, comma-separated")
    args = parser.parse_args()
    receive, send = mp.Pipe(duplex=False)
    server = mp.get_context("spawn").Process(
        target=_serve, args=(args.pages, args.match_every, send), daemon=True
    )
    server.start()
    seed = f"http://127.0.0.1:{receive.recv()}/"
    postgres = os.environ.get("HAECHI_BENCH_DATABASE_URL")
    load = os.getloadavg()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="haechi-scale-") as tmp:
        root = Path(tmp)
        databases: list[tuple[str, str | None]] = [("SQLite", None)]
        if postgres:
            databases.append(("PostgreSQL", postgres))
        for db_name, admin in databases:

            def home(name: str, admin: str | None = admin, db_name: str = db_name) -> Settings:
                url = _fresh_postgres(admin, f"haechi_scale_{name}") if admin else None
                return _home(root, f"{db_name}-{name}", url)

            runs.append(run_local(home("local"), seed, args.pages, db_name))
            for cpus in (int(c) for c in args.cpus.split(",")):
                runs.append(run_ray(home(f"ray{cpus}"), seed, args.pages, cpus, db_name))
        costs = stage_costs(_home(root, "stages", None), seed)
    server.terminate()
    command = " ".join(["python", "bench/scale.py", *sys.argv[1:]])
    print(f"## Scan scale: crawl + hash + match + record ({args.pages} pages)\n")
    print(f"`{command}` on {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average before: {load[0]:.2f} "
          "(a shared machine)\n")  # fmt: skip
    print("| runner | database | items | seconds | pages/s | hits | failed |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for run in runs:
        print(run.row())
    print("\nPer-stage cost, each stage alone on one core over a sample of "
          f"{SAMPLE} pages (SQLite):\n")  # fmt: skip
    print("| stage | ms per page | pages/s per core |")
    print("| --- | ---: | ---: |")
    for stage, seconds in costs:
        print(f"| {stage} | {seconds * 1000:.2f} | {1 / seconds:.0f} |")
    cpu = sum(s for name, s in costs if name in ("hash", "match"))
    print(f"\nProjection (computed from the table above, not measured): hash + match cost "
          f"{cpu * 1000:.2f} ms of CPU per page, so a node gives about {1 / cpu:.0f} pages/s "
          f"per core it lends to hash tasks ({8 / cpu:.0f} pages/s for 8 cores, "
          f"{32 / cpu:.0f} for 32), as long as fetching ({costs[0][1] * 1000:.2f} ms per page "
          "of mostly waiting, overlapped) and the one database's writes keep up.")  # fmt: skip


if __name__ == "__main__":
    main()
