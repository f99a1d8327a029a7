"""A false positive confirmed by a person stops matching in the team's own scans too."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from haechi.banks.service import register_files
from haechi.hashing.media import hash_file
from haechi.members.model import Actor
from haechi.platform_api.feedback import decide, receive
from haechi.platform_api.keys import create_key
from haechi.platform_api.sharing import share_bank
from haechi.scan.pipeline import Scanner
from haechi.settings import Settings
from haechi.store.database import Database
from tests.conftest import photo


def _inbox(folder: Path) -> Path:
    folder.mkdir(parents=True)
    original = photo(10, (640, 480))
    original.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "mirror.png")
    original.resize((320, 240), Image.Resampling.LANCZOS).save(folder / "small.jpg", quality=70)
    return folder


def test_accepted_false_positive_is_suppressed_in_team_scans(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "orig.png"
    photo(10, (640, 480)).save(source)
    [reg] = register_files(db, settings, "victims", [source], label="v1")
    assert reg.entry is not None
    before = Scanner(db, settings).scan_folder(_inbox(tmp_path / "first"))
    assert {Path(h.location).name for h in before.hits} == {"mirror.png", "small.jpg"}

    # A platform hashed its mirrored copy itself and says it is not that picture; a person
    # agrees.
    mirror = hash_file(tmp_path / "first" / "mirror.png")
    assert mirror.pdq is not None
    with db.session() as session:
        share_bank(session, Actor.console(), "victims")
        key = create_key(session, Actor.console(), "pics").key
        said = receive(session, key, reg.entry.id, "false_positive", "pdq", mirror.pdq.hex)
        decide(session, Actor(None, "kim", None, "console"), said.id, accept=True)

    after = Scanner(db, settings).scan_folder(_inbox(tmp_path / "second"))
    assert {Path(h.location).name for h in after.hits} == {"small.jpg"}
