"""``haechi demo``: the whole flow on bundled photos, with no server and no network.

Four real photos (scikit-image's sample images) stand in for a victim's registered content.
The demo writes altered re-uploads of them (resized, re-compressed, cropped, bordered,
mirrored, rotated, watermarked, screenshotted) among unrelated images into an inbox folder,
scans it, and prints which re-uploads were found, which were missed, and any false match.
Then a small board on 127.0.0.1 re-posts one photo: the scan finds it, seals the page and
the image as evidence, and the exported bundle is verified offline.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image
from rich.console import Console
from rich.table import Table

from haechi.banks.service import register_files
from haechi.evidence import export_bundle, verify_bundle
from haechi.scan.intake import source_options
from haechi.scan.pipeline import Scanner
from haechi.scan.preserve import EvidenceKeeper, evidence_config
from haechi.settings import Settings
from haechi.sources import open_source
from haechi.store.database import Database, open_database
from haechi.testkit.photos import registered_photos, unrelated_images
from haechi.testkit.transforms import TRANSFORMS

DEMO_BANK = "demo-victims"
DEMO_PHOTOS = 4
DEMO_TRANSFORMS = (
    "resize-50",
    "jpeg-30",
    "crop-5",
    "border",
    "letterbox-16x9",
    "flip",
    "rotate-90",
    "grayscale",
    "watermark",
    "screenshot",
)
DEMO_UNRELATED = 60


def run_demo(settings: Settings, out: Console, keep: bool = False) -> None:
    """Register, alter, scan and report; state goes to ``<home>/demo``."""
    home = settings.home / "demo"
    if home.exists() and not keep:
        shutil.rmtree(home)
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    settings = settings.model_copy(update={"home": home, "database_url": None})
    db = open_database(settings)
    try:
        photos = list(registered_photos().items())[:DEMO_PHOTOS]
        out.print(f"[bold]1. Register[/] {len(photos)} photos in bank {DEMO_BANK!r} (hashes only)")
        with tempfile.TemporaryDirectory() as tmp:
            for n, (name, image) in enumerate(photos, 1):
                original = Path(tmp) / f"original-{n}.png"
                image.save(original)
                [registered] = register_files(
                    db, settings, DEMO_BANK, [original], label=f"demo photo {n} ({name})"
                )
                assert registered.entry is not None
                pdq = registered.entry.signals[0].value
                out.print(f"   entry {registered.entry.id}: {name}, PDQ {pdq}")
        # the originals are gone with the temporary folder: haechi kept only their hashes

        truth: dict[str, tuple[str, str]] = {}
        for n, (name, image) in enumerate(photos, 1):
            for transform in DEMO_TRANSFORMS:
                file = f"upload-{n}-{transform}.jpg"
                TRANSFORMS[transform](image).convert("RGB").save(inbox / file, quality=90)
                truth[file] = (name, transform)
        for k, item in enumerate(unrelated_images(DEMO_UNRELATED, seed=7)):
            item.image.convert("RGB").save(inbox / f"other-{k:03d}.jpg", quality=85)
        total = len(truth) + DEMO_UNRELATED
        out.print(f"[bold]2. Scan[/] {inbox}: {len(truth)} altered re-uploads among {total} files")
        report = Scanner(db, settings).scan_folder(inbox)
        found = {Path(h.location).name: h for h in report.hits}

        table = Table("re-upload", "photo", "change", "found", "by", "distance", box=None)
        for file, (name, transform) in truth.items():
            hit = found.get(file)
            table.add_row(
                file,
                name,
                transform,
                "[green]yes[/]" if hit else "[red]missed[/]",
                hit.signal_kind if hit else "",
                str(hit.distance) if hit else "",
            )
        out.print(table)
        false = [f for f in found if f not in truth]
        recall = sum(1 for f in truth if f in found) / len(truth)
        out.print(
            f"[bold]3. Result[/] scan {report.scan_id}: {report.seen} files, "
            f"{len(found)} hits; re-uploads found {recall:.0%} "
            f"({sum(1 for f in truth if f in found)}/{len(truth)}), "
            f"false matches among {DEMO_UNRELATED} unrelated images: {len(false)}"
        )
        _web_demo(db, settings, out, photos[0][1])
        out.print(f"   everything is recorded: `haechi --home {home} hits`")
    finally:
        db.close()


def _web_demo(db: Database, settings: Settings, out: Console, image: Image.Image) -> None:
    """A board on 127.0.0.1 re-posts a photo: scan it, seal the evidence, export, verify."""
    site = home_site(image)
    with serve_folder(site) as base:
        url = f"{base}/board/index.html"
        out.print(f"[bold]4. Website[/] a board re-posts one of the photos: scanning {url}")
        config = evidence_config(settings, ["127.0.0.1"])
        options = source_options(settings, ["127.0.0.1"])
        with EvidenceKeeper(config) as keeper:
            report = Scanner(db, settings, keeper).scan_source(open_source(url, None, options), url)
        for hit in report.hits:
            capture = report.captures.get(hit.id)
            out.print(f"   hit {hit.id}: {hit.location} (on {hit.found_in}), capture {capture}")
        if not report.captures:
            out.print("   [red]no capture was sealed[/]")
            return
        bundle = settings.home / "evidence-demo.wacz"
        summary = export_bundle(config.locker(), list(report.captures.values()), bundle)
        verdict = verify_bundle(bundle, config.own_key_ids())
        status = "[green]PASS[/]" if verdict.passed else "[red]FAIL[/]"
        out.print(
            f"[bold]5. Evidence[/] sealed, signed and exported to {bundle} "
            f"(sha256 {summary.sha256[:16]}…); offline verification: {status}, "
            f"{len(verdict.checks)} checks"
        )


def home_site(image: Image.Image) -> Path:
    """A tiny board with one re-post (a resized, re-compressed copy) and an unrelated photo."""
    root = Path(tempfile.mkdtemp(prefix="haechi-demo-site-"))
    (root / "board").mkdir()
    small = image.convert("RGB").resize((image.width * 2 // 3, image.height * 2 // 3))
    small.save(root / "board" / "repost.jpg", quality=70)
    other = next(iter(unrelated_images(1, seed=99))).image.convert("RGB")
    other.save(root / "board" / "cat.jpg", quality=80)
    (root / "board" / "index.html").write_text(
        "<html><body><h1>free board</h1>"
        '<p>new upload</p><img src="repost.jpg"><img src="cat.jpg"></body></html>',
        encoding="utf-8",
    )
    return root


@contextmanager
def serve_folder(root: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 for the length of the block; yields the base URL."""
    handler = partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(root, ignore_errors=True)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the demo's output readable."""
