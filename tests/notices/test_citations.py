"""Citations name a hit's captures from the database, reading only those from the log."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from haechi.evidence import EvidenceLocker
from haechi.evidence.resource import file_evidence
from haechi.notices.citations import Citations
from haechi.scan.preserve import ensure_key, evidence_config
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.hit_evidence import CaptureKind, HitEvidenceStore
from haechi.testkit.hits import photo_bytes, seed_hit
from haechi.testkit.photos import registered_photos

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_captures_come_from_the_hits_capture_ids(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    from haechi.banks.service import register_files

    path = tmp_path / "coffee.png"
    registered_photos()["coffee"].save(path)
    [done] = register_files(db, settings, "victims", [path])
    assert done.entry is not None
    config = evidence_config(settings)
    ensure_key(config)
    data = photo_bytes()
    sealed = seed_hit(
        db,
        settings,
        tmp_path / "f",
        entry=done.entry.id,
        data=data,
        location="https://a.example/1.jpg",
        now=NOW,
    )
    bare = seed_hit(
        db,
        settings,
        tmp_path / "f",
        entry=done.entry.id,
        data=data,
        location="https://a.example/2.jpg",
        sealed=False,
        now=NOW,
    )
    # A capture that names the bare hit but was never recorded for it in the database (as a
    # crash between sealing and recording would leave until `evidence repair` runs).
    locker = EvidenceLocker(config.evidence_dir, checkpoint_every=0)
    loose = tmp_path / "loose.jpg"
    loose.write_bytes(data)
    stray = locker.seal(file_evidence(loose, data, {"hit_id": bare}))

    from_db = Citations.of(config, db)
    whole_log = Citations.of(config)
    cited = from_db.for_hit(sealed)
    assert cited is not None and cited == whole_log.for_hit(sealed)
    assert from_db.all_for_hits([sealed]) == whole_log.all_for_hits([sealed])
    assert from_db.for_hit(bare) is None  # only what the database lists
    assert from_db.get(stray.id) == whole_log.get(stray.id)
    assert from_db.get("no-such-capture") is None

    with db.session() as session:
        HitEvidenceStore(session).add_capture(bare, stray.id, CaptureKind.FILE, NOW)
    fresh = Citations.of(config, db)
    found = fresh.for_hit(bare)
    assert found is not None and found.id == stray.id
    assert [c.id for c in fresh.all_for_hits([bare, sealed])] == sorted(
        [stray.id, cited.id],
        key=lambda i: whole_log.get(i).log_seq,  # type: ignore[union-attr]
    )
