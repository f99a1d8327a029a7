"""One worker's hold on the shared-banks index: loaded once, refreshed in the background.

Each worker process has one :class:`IndexHolder`. A daemon thread compares, every
``refresh_seconds``, the database's fingerprint of the shared banks with the mapped snapshot's;
when they differ it builds the new generation (or waits for another worker's build) and swaps
the reference. A request takes the reference once and answers from it, so a refresh never
fails or mixes a lookup; HMA does the same with a 30-second poll per worker.
"""

from __future__ import annotations

import gc
import logging
import threading
from pathlib import Path

import numpy as np

from haechi.errors import HaechiError
from haechi.index.base import HASH_BYTES
from haechi.platform_api.errors import IndexNotReady
from haechi.platform_api.snapshot import Snapshot, build_snapshot, fingerprint, load_snapshot
from haechi.store.database import Database

log = logging.getLogger(__name__)

REFRESH_SECONDS = 10.0


def warm(snap: Snapshot) -> None:
    """Ready a snapshot before it is served: its compiled search loaded, its objects frozen.

    Why: a worker's first search loads the compiled code (tens of thousands of objects that
    live as long as the process), and every full collection of the garbage collector then
    walked them, a 30-50 ms pause for the lookups waiting on that worker's loop; done here, in
    the refresh thread, neither the load nor the pauses fall on a request.
    """
    snap.index.search(np.zeros((1, HASH_BYTES), np.uint8), 0)
    gc.freeze()


class IndexHolder:
    """The mapped snapshot of one process, and the thread that keeps it current."""

    def __init__(
        self,
        db: Database,
        folder: Path,
        min_quality: int,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.db = db
        self.folder = folder
        self.min_quality = min_quality
        self.refresh_seconds = refresh_seconds
        self.current: Snapshot | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether the refresh thread was started (a snapshot loaded by a direct
        :meth:`refresh` alone would never be refreshed again)."""
        return self._thread is not None

    def get(self, wait: float = 60.0) -> Snapshot:
        """The snapshot to answer from; the first call starts the thread and waits for it."""
        self.start()
        snap = self.current
        if snap is not None:
            return snap
        self._ready.wait(wait)
        snap = self.current
        if snap is None:
            raise IndexNotReady("the index of shared banks is still being built; retry shortly")
        return snap

    def start(self) -> None:
        """Start the refresh thread (once)."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="haechi-platform-index", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        """Stop the refresh thread (the mapped snapshot stays usable)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def poke(self) -> None:
        """Check for changes now instead of at the next tick (after a share or a feedback)."""
        self._wake.set()

    def refresh(self) -> bool:
        """Bring the snapshot up to the database; whether it changed."""
        with self.db.session() as session:
            wanted = fingerprint(session, self.min_quality)
        if self.current is not None and self.current.fingerprint == wanted:
            return False
        snap = load_snapshot(self.folder)
        if snap is None or snap.fingerprint != wanted:
            build_snapshot(self.db, self.folder, self.min_quality)
            snap = load_snapshot(self.folder)
        if snap is None:
            return False
        warm(snap)
        self.current = snap
        self._ready.set()
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except (HaechiError, OSError, ValueError) as exc:
                # Keep answering from the snapshot we have; say why the refresh failed.
                log.warning("platform API index refresh failed: %s", exc)
            except Exception:
                log.exception("platform API index refresh failed")
            self._wake.wait(self.refresh_seconds)
            self._wake.clear()
