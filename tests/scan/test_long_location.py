"""A scan finds a photo at a 4,000-character link and records it once, on either database.

Links up to 4,096 characters are accepted; ``uq_hit`` keys them by digest (migration 0025),
so PostgreSQL records them as SQLite does (this runs in both passes of make test).
"""

from __future__ import annotations

import io
import json
import random
import string
from pathlib import Path

from sqlalchemy import func, select
from tests.sources.sitekit import serve
from typer.testing import CliRunner

from haechi.banks.service import register_files
from haechi.cli import app
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.models import HitRow
from haechi.testkit.photos import registered_photos


def test_a_photo_at_a_4000_character_link_is_one_hit(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    photo = registered_photos()["coffee"]
    original = tmp_path / "orig.png"
    photo.save(original)
    [registered] = register_files(db, settings, "victims", [original], label="v")
    assert registered.entry is not None
    reupload = io.BytesIO()
    photo.convert("RGB").resize((240, 180)).save(reupload, "JPEG", quality=80)
    rng = random.Random(4000)
    with serve() as site:
        tail = "".join(rng.choices(string.ascii_letters + string.digits, k=4_000))
        path = "/m/" + tail[: 4_000 - len(site.url("/m/")) - len(".jpg")] + ".jpg"
        link = site.image(path, reupload.getvalue())
        assert len(link) == 4_000
        site.page("/", f'<img src="{path}">')
        scan = ["--home", str(settings.home), "scan", site.url("/"), "--allow-host",
                "127.0.0.1", "--json"]  # fmt: skip
        first = CliRunner().invoke(app, scan)
        again = CliRunner().invoke(app, scan)
    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    hits = [json.loads(line) for line in first.output.splitlines() if line.startswith("{")]
    assert [(h["url"], h["entry"]) for h in hits] == [(link, registered.entry.id)]
    assert not [line for line in again.output.splitlines() if line.startswith("{")]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(HitRow)) == 1
        assert session.scalar(select(HitRow.location)) == link
