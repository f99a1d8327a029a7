"""Rate limits that hold across worker processes: one token bucket per key in a shared file.

Why a file: with ``haechi serve --workers N`` every worker is its own process, and a bucket in
each would let a key make N times its rate. The buckets live in one small memory-mapped file
next to the index (``<home>/index/platform/rates.bin``), updated under an exclusive ``flock``;
the database is not touched on the request path. So that a lookup does not take the lock each
time, a worker takes a few tokens at once (:data:`CHUNK_SECONDS` of the key's rate) and spends
them locally for at most :data:`BUDGET_SECONDS`; unspent tokens are then dropped, never handed
back, so all workers together never exceed the shared bucket: a key's rate a second, with
bursts up to one second's worth, however many workers there are.

Times are ``CLOCK_MONOTONIC`` seconds, one clock for every process of the machine. A bucket
whose time lies in the future (the file outlived a reboot) counts as full.

File format 1: a 16-byte header (``HAECHI-RATE`` padded with zeros, then the format as a
little-endian u32) and :data:`SLOTS` slots of ``(key id: i64, tokens: f64, at: f64)``, found by
linear probing from ``key id mod SLOTS``; key id 0 marks an empty slot. When :data:`PROBES`
slots in a row are taken, the one idle longest is reused (idle a second or more, its bucket was
full anyway).
"""

from __future__ import annotations

import fcntl
import math
import mmap
import os
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from haechi.errors import HaechiError

FORMAT = 1
MAGIC = b"HAECHI-RATE"
HEADER = struct.Struct("<12sI")
SLOT = struct.Struct("<qdd")
SLOTS = 4096
PROBES = 64
SIZE = HEADER.size + SLOTS * SLOT.size
CHUNK_SECONDS = 0.05
"""A worker takes this much of a key's rate from the shared bucket at a time (at least 1)."""
BUDGET_SECONDS = 0.25
"""Tokens a worker took and did not spend within this time are dropped."""


class RateFileError(HaechiError):
    """The shared rate file is not one haechi wrote (another format, or damaged)."""


class SharedBuckets:
    """Token buckets per key in one memory-mapped file, shared by the machine's workers."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.clock = clock
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._lock = threading.Lock()  # flock does not exclude threads sharing the descriptor
        try:
            with self._locked():
                size = os.fstat(self._fd).st_size
                if size == 0:
                    os.ftruncate(self._fd, SIZE)
                    os.pwrite(self._fd, HEADER.pack(MAGIC, FORMAT), 0)
                elif size != SIZE:
                    raise RateFileError(f"{path} is not a rate file of format {FORMAT}; remove it")
            self._map = mmap.mmap(self._fd, SIZE)
            magic, version = HEADER.unpack_from(self._map, 0)
            if magic.rstrip(b"\0") != MAGIC or version != FORMAT:
                self._map.close()
                raise RateFileError(f"{path} is not a rate file of format {FORMAT}; remove it")
        except BaseException:
            os.close(self._fd)
            raise

    def _locked(self) -> _FileLock:
        return _FileLock(self._fd, self._lock)

    def _slot(self, key_id: int, now: float) -> int:
        """The offset of the key's slot, claiming an empty or the longest-idle one."""
        oldest, oldest_at = -1, float("inf")
        for probe in range(PROBES):
            offset = HEADER.size + ((key_id + probe) % SLOTS) * SLOT.size
            held, _, at = SLOT.unpack_from(self._map, offset)
            if held == key_id:
                return offset
            if held == 0:
                oldest = offset
                break
            if at < oldest_at:
                oldest, oldest_at = offset, at
        SLOT.pack_into(self._map, oldest, key_id, float("nan"), now)
        return oldest

    def take(self, key_id: int, rate: float, want: int) -> tuple[int, float]:
        """Take up to ``want`` whole tokens of the key's bucket (holding ``rate`` at most,
        refilled at ``rate`` a second): how many were granted, and the seconds until the next
        token when none was."""
        if key_id < 1 or rate <= 0 or want < 1:
            raise ValueError("a key id, rate and wish of at least 1")
        with self._locked():
            now = self.clock()
            offset = self._slot(key_id, now)
            _, tokens, at = SLOT.unpack_from(self._map, offset)
            fresh = math.isnan(tokens) or at > now  # a new slot, or from before a reboot
            tokens = rate if fresh else min(rate, tokens + (now - at) * rate)
            granted = min(want, int(tokens))
            tokens -= granted
            SLOT.pack_into(self._map, offset, key_id, tokens, now)
        return granted, 0.0 if granted else (1.0 - tokens) / rate

    def close(self) -> None:
        """Unmap and close the file."""
        self._map.close()
        os.close(self._fd)


@dataclass
class _Budget:
    tokens: int
    taken_at: float


class RateLimiter:
    """One worker's side: spends locally what it took from the shared buckets."""

    def __init__(self, shared: SharedBuckets) -> None:
        self.shared = shared
        self._budgets: dict[int, _Budget] = {}
        self._lock = threading.Lock()

    def admit(self, key_id: int, rate: int) -> float | None:
        """``None`` if the key may make one more request now, else the seconds to wait."""
        with self._lock:
            now = self.shared.clock()
            budget = self._budgets.get(key_id)
            if budget is not None and budget.tokens > 0 and now - budget.taken_at <= BUDGET_SECONDS:
                budget.tokens -= 1
                return None
            chunk = max(1, int(rate * CHUNK_SECONDS))
            granted, wait = self.shared.take(key_id, rate, chunk)
            if granted == 0:
                self._budgets.pop(key_id, None)
                return wait
            if len(self._budgets) > 10_000:
                self._budgets.clear()
            self._budgets[key_id] = _Budget(granted - 1, now)
            return None


class _FileLock:
    """``with``: the thread lock, then the file's exclusive ``flock``."""

    def __init__(self, fd: int, lock: threading.Lock) -> None:
        self.fd = fd
        self.lock = lock

    def __enter__(self) -> None:
        self.lock.acquire()
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            self.lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.lock.release()
