"""What one worker process of the server holds for the platform API.

:class:`PlatformApi` bundles the index holder, the usage book (with the rate buckets shared by
the machine's workers) and the key cache; ``install``
puts one on ``app.state`` per app (each uvicorn worker builds its own app, so one per process).
Keys are cached by digest for :data:`KEY_TTL` seconds, and dropped at once when the keys'
*stamp* file changes (revocation touches it), so a revoked key stops working at the next
request on this machine and within seconds elsewhere.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from haechi.platform_api.batching import SearchBatcher
from haechi.platform_api.holder import IndexHolder
from haechi.platform_api.keys import ApiKey, digest, find_key
from haechi.platform_api.ratelimit import RateLimiter, SharedBuckets
from haechi.platform_api.usage import UsageBook
from haechi.settings import Settings
from haechi.store.database import Database

KEY_TTL = 5.0
STAMP = "keys.stamp"
RATES = "rates.bin"


def api_folder(settings: Settings) -> Path:
    """Where the shared-banks index and the keys' stamp live: ``<home>/index/platform``."""
    return settings.home / "index" / "platform"


def keys_changed(settings: Settings) -> None:
    """Tell every worker on this machine to read keys again (after a revocation)."""
    folder = api_folder(settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = folder / STAMP
    stamp.touch(mode=0o600)
    os.utime(stamp)


class KeyCache:
    """Keys by digest, read from the database at most every :data:`KEY_TTL` seconds."""

    def __init__(self, db: Database, stamp: Path, on_load: Callable[[int], None]) -> None:
        self.db = db
        self.stamp = stamp
        self.on_load = on_load
        self._keys: dict[str, tuple[ApiKey | None, float]] = {}
        self._stamp_seen = self._stamp_time()
        self._lock = threading.Lock()

    def _stamp_time(self) -> int:
        try:
            return self.stamp.stat().st_mtime_ns
        except OSError:
            return 0

    def cached(self, secret: str) -> tuple[bool, ApiKey | None]:
        """``(known, key)``: whether the cache can answer for ``secret`` now, and its key."""
        stamp = self._stamp_time()
        if stamp != self._stamp_seen:
            with self._lock:
                self._keys.clear()
                self._stamp_seen = stamp
            return False, None
        held = self._keys.get(digest(secret))
        if held is None or time.monotonic() - held[1] > KEY_TTL:
            return False, None
        return True, held[0]

    def load(self, secret: str) -> ApiKey | None:
        """Read the key from the database (blocking: run it in a thread) and cache it."""
        with self.db.session() as session:
            key = find_key(session, secret)
        if key is not None:
            self.on_load(key.id)
        with self._lock:
            if len(self._keys) > 10_000:
                self._keys.clear()  # someone trying many wrong keys: do not grow without end
            self._keys[digest(secret)] = (key, time.monotonic())
        return key


class PlatformApi:
    """The platform API's state in one process."""

    def __init__(self, settings: Settings, db: Database, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        folder = api_folder(settings)
        self.radius = settings.pdq_radius
        self.holder = IndexHolder(db, folder, settings.pdq_min_quality)
        self.buckets = SharedBuckets(folder / RATES)
        self.usage = UsageBook(db, clock, RateLimiter(self.buckets))
        self.keys = KeyCache(db, folder / STAMP, self.usage.refresh_totals)
        self.batcher = SearchBatcher(self.radius)

    def stop(self) -> None:
        """Stop the background threads, writing pending counts first."""
        self.holder.stop()
        self.usage.stop()
        self.batcher.close()
        self.buckets.close()
