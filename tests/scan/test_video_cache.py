"""The saved video frame index is used only while it still describes the banks' videos."""

from __future__ import annotations

from pathlib import Path

import pytest

from haechi.banks.service import register_files
from haechi.hashing import video_clips as vc
from haechi.hashing.video import hash_video
from haechi.hashing.video_match import VideoThresholds
from haechi.scan.video_cache import load_video_bank
from haechi.scan.video_matcher import VideoBank
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database
from haechi.testkit import registered_photos

SIZE = (160, 120)
FPS = 12


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    photos = list(registered_photos().values())
    a = vc.encode(vc.render(vc.shots_of(photos[:2], 3, 1), SIZE, FPS), folder / "a.mp4", FPS)
    b = vc.encode(vc.render(vc.shots_of(photos[2:4], 3, 2), SIZE, FPS), folder / "b.mp4", FPS)
    edited = folder / "a-mirror.mp4"
    vc.transcode(a, edited, edit=vc.mirrored)
    return {"a": a, "b": b, "query": edited}


def _register(db: Database, settings: Settings, path: Path) -> int:
    [done] = register_files(db, settings, "victims", [path])
    assert done.entry is not None
    return done.entry.id


def test_saved_frame_index_is_reused_until_banks_change(
    db: Database, settings: Settings, clips: dict[str, Path]
) -> None:
    first = _register(db, settings, clips["a"])
    thresholds = VideoThresholds(radius=settings.pdq_radius)
    built, cached = load_video_bank(db, settings, thresholds)
    assert not cached and len(built) == 1 and built.frames > 0
    restored, cached = load_video_bank(db, settings, thresholds)
    assert cached and restored.frames == built.frames and len(restored.local) == len(built.local)

    # The restored bank answers exactly as one built from the records.
    fresh = VideoBank.load(db, thresholds, settings.pdq_min_quality)
    query = hash_video(clips["query"]).signature
    assert restored.search(query) == fresh.search(query)
    assert [e for e, _, _ in restored.search(hash_video(clips["a"]).signature)] == [first]

    second = _register(db, settings, clips["b"])
    grown, cached = load_video_bank(db, settings, thresholds)
    assert not cached and len(grown) == 2
    found = grown.search(hash_video(clips["b"]).signature)
    assert [e for e, _, _ in found] == [second]

    with db.session() as session:
        BankStore(session).withdraw(first)
    shrunk, cached = load_video_bank(db, settings, thresholds)
    assert not cached and len(shrunk) == 1
    assert load_video_bank(db, settings, thresholds)[1]


def test_damaged_or_missing_files_are_rebuilt(
    db: Database, settings: Settings, clips: dict[str, Path]
) -> None:
    _register(db, settings, clips["a"])
    built, _ = load_video_bank(db, settings)
    folder = settings.home / "index"
    (folder / "video.npz").write_bytes(b"not an npz file")
    rebuilt, cached = load_video_bank(db, settings)
    assert not cached and rebuilt.frames == built.frames
    assert load_video_bank(db, settings)[1]
    (folder / "video.mih").unlink()
    again, cached = load_video_bank(db, settings)
    assert not cached and again.frames == built.frames
