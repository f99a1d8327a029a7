"""Crawl + hash + match throughput of the web source, on loopback, against a naive crawler.

The bench starts its own HTTP server (a separate process on 127.0.0.1, a random port) serving
a generated site: ``--pages`` pages (default 2,000) in a tree of fan-out 10, each page showing
``--images`` distinct image URLs (default 5: so 10,000 image URLs). The image bytes are small
photo-like PNGs (64x48, ~4 KB) drawn from a pool of 200, so every image URL is a real fetch and
a real hash, but generating the site stays quick.

Methods, measured in the same run against the same server:

- *haechi*: :class:`haechi.sources.WebSource` (async httpx, safety checks, per-host limit
  ``--per-host``) feeding a ``ProcessPoolExecutor`` of ``--workers`` processes that run
  :func:`haechi.hashing.hash_bytes` in batches, then matching every PDQ hash against a bank of
  10,000 random hashes in :class:`haechi.index.MultiIndexHashing` (radius 31).
- *haechi crawl only*: the same crawl, media counted and dropped: what the fetching side costs.
- *naive sequential*: the obvious script: one ``httpx.Client``, a queue of pages, regex for
  ``src``/``href``, each image fetched and hashed in-line, one at a time. Run on the first
  ``--naive-pages`` pages (default 300) to keep the bench short; its rates are per second
  like the others.

    .venv/bin/python bench/crawl.py > bench/RESULTS-crawl.md
"""

from __future__ import annotations

import argparse
import asyncio
import io
import multiprocessing as mp
import os
import platform
import re
import sys
import tempfile
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from haechi.banks.service import register_files
from haechi.hashing import hash_bytes
from haechi.index import MultiIndexHashing
from haechi.scan.pipeline import Scanner
from haechi.settings import Settings
from haechi.sources import CrawlLimits, FetchPolicy, Media, WebSource
from haechi.store.database import open_database
from loopback import serve_answers

BANK_SIZE = 10_000
RADIUS = 31
BATCH = 64


def make_images(count: int) -> list[bytes]:
    out = []
    for seed in range(count):
        rng = np.random.default_rng(seed)
        coarse = rng.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
        img = Image.fromarray(coarse).resize((64, 48), Image.Resampling.BICUBIC)
        buf = io.BytesIO()
        img.save(buf, "PNG")
        out.append(buf.getvalue())
    return out


def make_site(pages: int, images: int) -> dict[str, tuple[bytes, bytes]]:
    """Path -> (content type, body)."""
    pool = make_images(200)
    site: dict[str, tuple[bytes, bytes]] = {}
    for i in range(pages):
        children = [c for c in range(10 * i + 1, 10 * i + 11) if c < pages]
        links = "".join(f'<li><a href="/p/{c}.html">page {c}</a></li>' for c in children)
        imgs = "".join(f'<img src="/img/{i * images + k}.png" alt="">' for k in range(images))
        html = (
            f"<!doctype html><html><head><title>page {i}</title></head><body>"
            f"<h1>Gallery {i}</h1>{imgs}<ul>{links}</ul></body></html>"
        )
        site[f"/p/{i}.html"] = (b"text/html; charset=utf-8", html.encode())
        for k in range(images):
            n = i * images + k
            site[f"/img/{n}.png"] = (b"image/png", pool[n % len(pool)])
    return site


# --- the server: asyncio, HTTP/1.1 keep-alive, pre-built answers, in its own process ---------


def _serve(pages: int, images: int, port_out: mp.connection.Connection) -> None:
    site = make_site(pages, images)
    answers = {
        path.encode(): b"HTTP/1.1 200 OK\r\nContent-Type: "
        + ctype
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
        for path, (ctype, body) in site.items()
    }
    serve_answers(answers, port_out)


# --- haechi: crawl -> process pool hashing -> batched matching --------------------------------


def hash_batch(batch: list[bytes]) -> list[bytes | None]:
    out: list[bytes | None] = []
    for data in batch:
        hashes = hash_bytes(data)
        out.append(hashes.pdq.bits if hashes.pdq is not None else None)
    return out


@dataclass
class Result:
    name: str
    pages: int
    images: int
    seconds: float
    matches: int = 0

    def row(self) -> str:
        return (
            f"| {self.name} | {self.pages:,} | {self.images:,} | {self.seconds:.2f} | "
            f"{self.pages / self.seconds:,.0f} | {self.images / self.seconds:,.0f} | "
            f"{self.matches:,} |"
        )


def make_index(planted: list[bytes]) -> MultiIndexHashing:
    rng = np.random.default_rng(1)
    bank = rng.integers(0, 256, size=(BANK_SIZE, 32), dtype=np.uint8)
    for k, bits in enumerate(planted):  # a few registered images, so matches are real
        bank[k] = np.frombuffer(bits, dtype=np.uint8)
    index = MultiIndexHashing()
    index.add(np.arange(BANK_SIZE, dtype=np.int64), bank)
    return index


def source(base: str, pages: int, per_host: int, workers: int) -> WebSource:
    policy = FetchPolicy(allow=("127.0.0.1",), per_host=per_host, max_connections=per_host)
    limits = CrawlLimits(max_depth=50, max_pages=pages, workers=workers, max_seconds=600)
    return WebSource([f"{base}/p/0.html"], policy=policy, limits=limits)


async def run_haechi(
    base: str,
    pages: int,
    pool: ProcessPoolExecutor,
    index: MultiIndexHashing,
    args: argparse.Namespace,
) -> Result:
    loop = asyncio.get_running_loop()
    crawl = source(base, pages, args.per_host, args.crawl_workers)
    pending: list[asyncio.Future[list[bytes | None]]] = []
    batch: list[bytes] = []
    images = 0
    start = time.perf_counter()
    async for item in crawl.items():
        if isinstance(item, Media) and item.data is not None:
            images += 1
            batch.append(item.data)
            if len(batch) == BATCH:
                pending.append(loop.run_in_executor(pool, hash_batch, batch))
                batch = []
    if batch:
        pending.append(loop.run_in_executor(pool, hash_batch, batch))
    hashed = [bits for chunk in await asyncio.gather(*pending) for bits in chunk if bits]
    queries = np.frombuffer(b"".join(hashed), dtype=np.uint8).reshape(-1, 32)
    matches = len(index.search(queries, RADIUS))
    seconds = time.perf_counter() - start
    return Result("haechi: crawl + hash + match", crawl.stats.pages, images, seconds, matches)


def run_scan(base: str, pages: int, planted: list[bytes], args: argparse.Namespace) -> Result:
    """The real `haechi scan URL` path: Scanner, SQLite, the full query variants, hits."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp), workers=args.workers, evidence_capture=False)
        db = open_database(settings)
        try:
            files = []
            for k, data in enumerate(planted):
                path = Path(tmp) / f"registered-{k}.png"
                path.write_bytes(data)
                files.append(path)
            register_files(db, settings, "bench", files)
            crawl = source(base, pages, args.per_host, args.crawl_workers)
            start = time.perf_counter()
            report = Scanner(db, settings).scan_source(crawl, base)
            seconds = time.perf_counter() - start
        finally:
            db.close()
    return Result(
        "haechi scan (Scanner: crawl, hash new bytes, match, record in SQLite)",
        crawl.stats.pages,
        report.seen,
        seconds,
        len(report.hits),
    )


async def run_crawl_only(base: str, pages: int, args: argparse.Namespace) -> Result:
    crawl = source(base, pages, args.per_host, args.crawl_workers)
    images = 0
    start = time.perf_counter()
    async for item in crawl.items():
        images += isinstance(item, Media)
    seconds = time.perf_counter() - start
    return Result("haechi: crawl only", crawl.stats.pages, images, seconds)


_SRC = re.compile(rb'<img[^>]+src="([^"]+)"')
_HREF = re.compile(rb'<a[^>]+href="([^"]+)"')


def run_naive(base: str, pages: int, index: MultiIndexHashing) -> Result:
    """The straightforward sequential crawler a volunteer might write first."""
    seen = {"/p/0.html"}
    queue = deque(["/p/0.html"])
    done = images = matches = 0
    start = time.perf_counter()
    with httpx.Client(base_url=base) as client:
        while queue and done < pages:
            page = client.get(queue.popleft())
            done += 1
            for src in _SRC.findall(page.content):
                data = client.get(src.decode()).content
                images += 1
                h = hash_bytes(data)
                if h.pdq is not None:
                    matches += len(index.search_one(h.pdq.as_array(), RADIUS))
            for href in _HREF.findall(page.content):
                path = href.decode()
                if path not in seen:
                    seen.add(path)
                    queue.append(path)
    seconds = time.perf_counter() - start
    return Result(
        "naive sequential (httpx.Client, in-line hashing)", done, images, seconds, matches
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--images", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="hashing processes")
    parser.add_argument("--crawl-workers", type=int, default=16, help="crawler tasks")
    parser.add_argument("--per-host", type=int, default=4, help="concurrent requests per host")
    parser.add_argument("--naive-pages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each haechi method")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(args.pages, args.images, child), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{parent.recv()}"
    try:
        planted_images = make_images(3)
        planted = [bits for bits in hash_batch(planted_images) if bits]
        index = make_index(planted)
        results: list[Result] = []
        with ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
            pool.submit(hash_batch, make_images(1)).result()  # start the workers
            for _ in range(args.repeat):
                results.append(asyncio.run(run_haechi(base, args.pages, pool, index, args)))
        for _ in range(args.repeat):
            results.append(run_scan(base, args.pages, planted_images, args))
        for _ in range(args.repeat):
            results.append(asyncio.run(run_crawl_only(base, args.pages, args)))
        results.append(run_naive(base, args.naive_pages, index))
    finally:
        server.terminate()
        server.join(5)

    best: dict[str, Result] = {}
    for r in results:
        if r.name not in best or r.seconds / max(r.pages, 1) < best[r.name].seconds / max(
            best[r.name].pages, 1
        ):
            best[r.name] = r
    cmd = "python bench/crawl.py " + " ".join(sys.argv[1:])
    print("# Crawl + hash + match throughput (loopback)\n")
    print(f"Command: `{cmd.strip()}`\n")
    print(
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, httpx {version('httpx')}, "
        f"Pillow {version('pillow')}. Server: asyncio HTTP/1.1 keep-alive in its own process "
        "on 127.0.0.1, sharing the same cores.\n"
    )
    print(
        f"Site: {args.pages:,} pages (tree, fan-out 10), {args.images} image URLs each "
        f"({args.pages * args.images:,} images, 64x48 PNG, ~4 KB). Hashing: {args.workers} "
        f"processes, batches of {BATCH}. Matching: MultiIndexHashing over {BANK_SIZE:,} hashes, "
        f"radius {RADIUS}; 3 bank entries are images of the site. Per-host limit "
        f"{args.per_host}, {args.crawl_workers} crawler tasks. Best of {args.repeat} runs for "
        "haechi; one run of the naive crawler over its first "
        f"{args.naive_pages} pages.\n"
    )
    print(
        f"Load average (1 min) before / after the run: {load_before:.2f} / "
        f"{os.getloadavg()[0]:.2f}: other work on the same 2 cores slows every row alike.\n"
    )
    print("| method | pages | images | seconds | pages/s | images/s | matches |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in best.values():
        print(r.row())
    print(
        "\nAll runs (seconds): "
        + ", ".join(f"{r.name.split(':')[0]} {r.seconds:.2f}" for r in results)
    )


if __name__ == "__main__":
    main()
