"""The PDQ matching index, persisted beside the database for a fast start.

The database is the truth; the index file is derived from it. It is trusted only when the
fingerprint of the live, matchable signals (count, largest id, sum of ids, quality floor)
still equals the one saved with it, and it is rebuilt whenever it is missing, stale or damaged
(the index file carries its own checksums). Nothing is lost by deleting it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from haechi.errors import IndexError_
from haechi.index import MultiIndexHashing, hex_to_hashes
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.store.database import Database

STATE_VERSION = 1


def _paths(settings: Settings) -> tuple[Path, Path]:
    folder = settings.home / "index"
    return folder / "pdq.mih", folder / "pdq.json"


def _write_state(path: Path, state: dict[str, int]) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private, as the home is
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_range_index(db: Database, settings: Settings) -> tuple[MultiIndexHashing, bool]:
    """The index of every live PDQ/crop signal at or above the quality floor.

    Returns the index and whether it came from the saved file (``False``: rebuilt and saved).
    """
    index_path, state_path = _paths(settings)
    floor = settings.pdq_min_quality
    with db.session() as session:
        count, top, total = BankStore(session).range_fingerprint(floor)
    wanted = {"version": STATE_VERSION, "count": count, "max_id": top, "sum_id": total}
    wanted["min_quality"] = floor
    try:
        saved = json.loads(state_path.read_text(encoding="utf-8"))
        if saved == wanted:
            index = MultiIndexHashing.load(index_path)
            if len(index) == count:
                return index, True
    except (OSError, ValueError, IndexError_):
        pass  # missing, stale or damaged: rebuild below
    with db.session() as session:
        rows = BankStore(session).range_signals(floor)
    index = MultiIndexHashing()
    if rows:
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        index.add(ids, hex_to_hashes([r[3] for r in rows]))
    index_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.unlink(missing_ok=True)  # never a state that vouches for a half-written index
    index.save(index_path)
    _write_state(state_path, wanted)
    return index, False
