"""``haechi demo``: the whole flow on bundled photos, with no server and no network.

Four real photos (scikit-image's sample images) stand in for a victim's registered content.
The demo writes altered re-uploads of them (resized, re-compressed, cropped, bordered,
mirrored, rotated, watermarked, screenshotted) among unrelated images into an inbox folder,
scans it, and prints which re-uploads were found, which were missed, and any false match.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from haechi.banks.service import register_files
from haechi.scan.pipeline import Scanner
from haechi.settings import Settings
from haechi.store.database import open_database
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

        table = Table("re-upload", "photo", "change", "found", "distance", box=None)
        for file, (name, transform) in truth.items():
            hit = found.get(file)
            table.add_row(
                file,
                name,
                transform,
                "[green]yes[/]" if hit else "[red]missed[/]",
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
        out.print(
            "   missed ones are PDQ's known blind spots (crops, frames); "
            f"see `haechi --home {home} hits` for the recorded hits"
        )
    finally:
        db.close()
