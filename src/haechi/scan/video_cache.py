"""The video frame index, persisted beside the database like the image index.

Why: building the :class:`~haechi.scan.video_matcher.VideoBank` decodes every registered video's
frame record, folds its near-repeat frames and indexes every kept frame, which grows with the
bank and was paid by every scan. Now it is paid once per change of the banks: the frame index
(a :class:`~haechi.index.MultiIndexHashing` file) and its row tables (an ``.npz`` of plain
arrays, never pickles) are saved under ``<home>/index/``, with the fingerprint of the live video
records they came from (count, largest id, sum of ids, quality floor, fold distance). A scan
whose fingerprint matches loads them; the keypoints of representative frames are still read
from their records (the local-features bank is built from them in memory). Missing, stale or
damaged files are rebuilt; nothing is lost by deleting them.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from haechi.errors import IndexError_
from haechi.hashing.signals import SignalKind
from haechi.hashing.video_match import VideoThresholds
from haechi.index import MultiIndexHashing
from haechi.scan.index_cache import build_lock, write_state
from haechi.scan.video_matcher import DEFAULT_FOLD, VideoBank
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database
from haechi.store.models import EntryRow, FeatureRow

STATE_VERSION = 1
VIDEO_KINDS = tuple(k for k in SignalKind if k.is_video or k is SignalKind.VORB)
_ARRAYS = (
    "row_video",
    "row_span",
    "video_entry",
    "video_step",
    "video_based",
    "times_count",
    "times",
)


def _paths(settings: Settings) -> tuple[Path, Path, Path]:
    folder = settings.home / "index"
    return folder / "video.mih", folder / "video.npz", folder / "video.json"


def video_fingerprint(db: Database) -> tuple[int, int, int]:
    """``(count, max id, sum of ids)`` of the live entries' video records, in SQL."""
    with db.session() as session:
        count, top, total = session.execute(
            select(func.count(FeatureRow.id), func.max(FeatureRow.id), func.sum(FeatureRow.id))
            .join(EntryRow, EntryRow.id == FeatureRow.entry_id)
            .where(
                FeatureRow.kind.in_([k.value for k in VIDEO_KINDS]),
                EntryRow.withdrawn_at.is_(None),
            )
        ).one()
    return int(count or 0), int(top or 0), int(total or 0)


def _records(db: Database) -> list[tuple[int, SignalKind, bytes]]:
    with db.session() as session:
        store = BankStore(session)
        return [
            (entry, kind, record)
            for kind in VIDEO_KINDS
            for entry, record in store.feature_records(kind)
        ]


def _save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, allow_pickle=False, **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _restored(
    index_path: Path,
    arrays_path: Path,
    bank: VideoBank,
    records: list[tuple[int, SignalKind, bytes]],
) -> bool:
    """Fill ``bank`` from the saved files; ``False`` (bank untouched) if they do not load."""
    try:
        index = MultiIndexHashing.load(index_path)
        with np.load(arrays_path, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in _ARRAYS}
    except (OSError, ValueError, KeyError, IndexError_):
        return False
    rows = arrays["row_video"].shape[0]
    if len(index) != rows or arrays["row_span"].shape != (rows, 2):
        return False
    if int(arrays["times_count"].sum()) != arrays["times"].shape[0]:
        return False
    bank.restore(index, arrays)
    bank.add_records(records, restored=True)
    return True


def load_video_bank(
    db: Database, settings: Settings, thresholds: VideoThresholds | None = None
) -> tuple[VideoBank, bool]:
    """Every live registered video's frames, from the saved index when it is current.

    Returns the bank and whether its frame index came from the saved files (``False``: built
    from the records and saved).
    """
    index_path, arrays_path, state_path = _paths(settings)
    count, top, total = video_fingerprint(db)
    wanted = {
        "version": STATE_VERSION,
        "count": count,
        "max_id": top,
        "sum_id": total,
        "min_quality": settings.pdq_min_quality,
        "fold": DEFAULT_FOLD,
    }
    with build_lock(index_path.parent, "video"):
        records = _records(db)
        try:
            saved = json.loads(state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = None
        if saved == wanted:
            bank = VideoBank(thresholds, settings.pdq_min_quality)
            if _restored(index_path, arrays_path, bank, records):
                return bank, True
        bank = VideoBank(thresholds, settings.pdq_min_quality)
        bank.add_records(records)
        state_path.unlink(missing_ok=True)  # never a state that vouches for half-written files
        frames = bank.index
        if isinstance(frames, MultiIndexHashing):
            frames.save(index_path)
            _save_arrays(arrays_path, bank.saved_arrays())
            write_state(state_path, wanted)
    return bank, False
