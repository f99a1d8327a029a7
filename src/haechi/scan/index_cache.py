"""The PDQ matching index, persisted beside the database for a fast start.

The database is the truth; the index file is derived from it. It is trusted only when the
fingerprint of the live, matchable signals (count, largest id, sum of ids, quality floor)
still equals the one saved with it, and it is rebuilt whenever it is missing, stale or damaged
(the index file carries its own checksums). Nothing is lost by deleting it.

Every process on a machine (scan workers, the platform API's workers) opens the same file as a
read-only memory map, so the operating system keeps one copy of its pages for all of them; a
lock file makes the first process that finds it stale rebuild it while the others wait, and a
rebuild replaces the file by a rename, so a process still searching the old map is unaffected.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
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


def write_state(path: Path, state: dict[str, int]) -> None:
    """Write a cache's state file atomically (the fingerprint its files were built from)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private, as the home is
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@contextmanager
def build_lock(folder: Path, name: str) -> Iterator[None]:
    """Hold ``<folder>/<name>.lock`` exclusively: one process rebuilds, the others wait."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def load_range_index(db: Database, settings: Settings) -> tuple[MultiIndexHashing, bool]:
    """The index of every live PDQ/crop signal at or above the quality floor, memory-mapped.

    Returns the index and whether it came from the saved file (``False``: rebuilt and saved).
    """
    index_path, state_path = _paths(settings)
    floor = settings.pdq_min_quality
    with db.session() as session:
        count, top, total = BankStore(session).range_fingerprint(floor)
    wanted = {"version": STATE_VERSION, "count": count, "max_id": top, "sum_id": total}
    wanted["min_quality"] = floor
    with build_lock(index_path.parent, "pdq"):
        try:
            saved = json.loads(state_path.read_text(encoding="utf-8"))
            if saved == wanted:
                index = MultiIndexHashing.load(index_path, mmap=True)
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
        state_path.unlink(missing_ok=True)  # never a state that vouches for a half-written index
        index.save(index_path)
        write_state(state_path, wanted)
    return MultiIndexHashing.load(index_path, mmap=True), False
