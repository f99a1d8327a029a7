"""Where the registered picture lies in the found file, from a local-features match.

The review queue outlines that box on the found file's (blurred) preview, so it must be in
the found file's frame, not the registered picture's: an inset pasted off-centre into a
bigger picture is reported where it was pasted; a copy that is only a part of the
registered picture fills its own frame. The box travels through a real folder scan into the
hit's row and the queue's JSON.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from haechi.banks.service import register_files
from haechi.hashing import HashOptions, hash_bytes
from haechi.hashing.geometry import FeatureBank
from haechi.review.queue import items_of
from haechi.scan.matcher import Match
from haechi.scan.pipeline import Scanner
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.testkit import lossless_bytes, sample_image

CANVAS = (900, 600)
INSET_AT = (520, 180, 820, 480)  # left, top, right, bottom: off-centre, right of the middle
TOLERANCE = 0.03  # of the found file's side


def _photo() -> Image.Image:
    return sample_image("astronaut").convert("RGB")


def _picture_in_picture(photo: Image.Image) -> Image.Image:
    left, top, right, bottom = INSET_AT
    # A busy background: flat borders would be cut away and the inset matched by PDQ.
    canvas = sample_image("coffee").convert("RGB").resize(CANVAS)
    canvas.paste(photo.resize((right - left, bottom - top)), (left, top))
    return canvas


def _expected() -> tuple[float, float, float, float]:
    left, top, right, bottom = INSET_AT
    w, h = CANVAS
    return (left / w, top / h, right / w, bottom / h)


def _bank(photo: Image.Image) -> FeatureBank:
    registered = hash_bytes(lossless_bytes(photo), HashOptions(register=True))
    assert registered.features is not None
    bank = FeatureBank()
    bank.add(1, registered.features)
    return bank


def _close(found: tuple[float, ...] | None, expected: tuple[float, ...]) -> None:
    assert found is not None
    assert all(abs(a - b) <= TOLERANCE for a, b in zip(found, expected, strict=True)), found


def test_an_inset_is_found_where_it_was_pasted() -> None:
    photo = _photo()
    query = hash_bytes(lossless_bytes(_picture_in_picture(photo)))
    assert query.features is not None and query.view is not None
    [match] = _bank(photo).search(query.features, query.view)
    _close(match.found, _expected())
    assert match.box != match.found  # the verifying crop is in the registered frame


def test_an_off_centre_crop_fills_the_found_frame() -> None:
    photo = _photo()  # 512 x 512
    query = hash_bytes(lossless_bytes(photo.crop((100, 50, 450, 400))))
    assert query.features is not None and query.view is not None
    [match] = _bank(photo).search(query.features, query.view)
    _close(match.found, (0.0, 0.0, 1.0, 1.0))


def _with_orientation(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def _shown_box(size: tuple[int, int], orientation: int) -> tuple[float, float, float, float]:
    """Where the inset is once a viewer turns the file, measured on a turned mask."""
    mask = Image.new("L", size, 0)
    mask.paste(255, INSET_AT)
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    mask.save(out, "PNG", exif=exif)
    turned = ImageOps.exif_transpose(Image.open(io.BytesIO(out.getvalue())))
    ys, xs = np.nonzero(np.asarray(turned) > 127)
    w, h = turned.size
    return (xs.min() / w, ys.min() / h, (xs.max() + 1) / w, (ys.max() + 1) / h)


@pytest.mark.parametrize("orientation", range(2, 9))
def test_the_box_follows_the_files_exif_orientation(orientation: int) -> None:
    # The preview is shown turned as the file asks (exif_transpose); the hashes read the
    # stored pixels. The box is turned the same way, or it would sit on the wrong part.
    photo = _photo()
    data = _with_orientation(_picture_in_picture(photo), orientation)
    query = hash_bytes(data)
    assert query.orientation == orientation
    assert query.features is not None and query.view is not None
    [found] = _bank(photo).search(query.features, query.view)
    match = Match.local(found, query.orientation)
    _close(match.found_region, _shown_box(CANVAS, orientation))


def test_a_scan_stores_the_box_and_the_queue_serves_it(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    photo = _photo()
    originals = tmp_path / "originals"
    originals.mkdir()
    photo.save(originals / "a.png")
    [done] = register_files(db, settings, "victims", [originals / "a.png"])
    assert done.entry is not None
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _picture_in_picture(photo).save(inbox / "collage.jpg", quality=90)
    report = Scanner(db, settings).scan_folder(inbox)
    [hit] = report.hits
    assert hit.signal_kind == "orb" and hit.entry == done.entry.id
    with db.session() as session:
        [item] = items_of(session, [hit.id])
    _close(item.found_region, _expected())
    assert item.as_json()["found_region"] == list(item.found_region or ())
    assert item.region is not None  # the registered picture's crop is still kept beside it
