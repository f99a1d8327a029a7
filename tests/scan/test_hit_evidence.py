"""Hits keep the evidence of their match, so a reviewer sees why before any notice goes out."""

from __future__ import annotations

from pathlib import Path

from haechi.banks.service import register_files
from haechi.scan.pipeline import Scanner
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.scans import ScanStore
from haechi.testkit.photos import registered_photos
from haechi.testkit.transforms import TRANSFORMS


def test_local_feature_hit_stores_keypoints_coverage_and_confidence(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    photo = registered_photos()["coffee"]
    original = tmp_path / "orig.png"
    photo.save(original)
    register_files(db, settings, "victims", [original])
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    TRANSFORMS["rotate-5"](photo).convert("RGB").save(inbox / "tilted.jpg", quality=85)
    photo.convert("RGB").save(inbox / "same.jpg", quality=95)

    report = Scanner(db, settings).scan_folder(inbox)
    with db.session() as session:
        stored = {Path(h.location).name: h for h in ScanStore(session).hits(report.scan_id)}
    tilted, same = stored["tilted.jpg"], stored["same.jpg"]
    assert tilted.signal_kind == "orb"
    assert tilted.inliers is not None and tilted.inliers >= 12
    assert tilted.coverage is not None and 0 < tilted.coverage <= 1
    assert 0 < tilted.confidence < same.confidence <= 1
    assert same.signal_kind == "pdq" and same.inliers is None
    assert tilted.as_json()["inliers"] == tilted.inliers
