"""Hashing many files on all cores: a process pool fed in order, results as they finish.

Decoding and PDQ are CPU-bound and release nothing useful to threads, so they run in worker
processes; a handful of items are hashed in-process, where starting a pool would cost more.
An item is a local path or bytes already fetched. Whatever one item does to its worker (an
exception, or a crash that kills the process) ends that item with a reason, never the scan.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from haechi.errors import MediaError
from haechi.hashing.media import HashOptions, MediaHashes, hash_bytes, hash_file
from haechi.sources.records import error_text

_POOL_THRESHOLD = 8

Payload = Path | bytes


def _hash_one(payload: Payload, options: HashOptions) -> MediaHashes | str:
    try:
        if isinstance(payload, bytes):
            return hash_bytes(payload, options)
        return hash_file(payload, options)
    except MediaError as exc:
        return str(exc)
    except Exception as exc:  # a decoder bug or input no one foresaw: this item fails, not the scan
        return error_text(exc)


def worker_count(requested: int) -> int:
    """Workers to use: the request, or one per usable core when 0."""
    if requested > 0:
        return requested
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class HashingPool:
    """A reusable pool; use as a context manager around a whole scan."""

    def __init__(self, options: HashOptions, workers: int = 0) -> None:
        self.options = options
        self.workers = worker_count(workers)
        self._executor: Executor | None = None

    def __enter__(self) -> HashingPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _pool(self) -> Executor:
        if self._executor is None:
            ctx = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._executor

    def hash_all(self, payloads: Sequence[Payload]) -> Iterator[MediaHashes | str]:
        """Hash each item; yields its hashes or an error text, in input order."""
        if len(payloads) < _POOL_THRESHOLD or self.workers == 1:
            for payload in payloads:
                yield _hash_one(payload, self.options)
            return
        done = 0
        try:
            for result in self._pool().map(
                _hash_one, payloads, [self.options] * len(payloads), chunksize=4
            ):
                yield result
                done += 1
        except BrokenProcessPool:  # a worker died (a decoder crash, the OOM killer)
            self._discard()
            for payload in payloads[done:]:
                yield self._alone(payload)

    def _alone(self, payload: Payload) -> MediaHashes | str:
        """Hash one item in a pool of its own, so the item that kills its worker is found."""
        try:
            return self._pool().submit(_hash_one, payload, self.options).result()
        except BrokenProcessPool:
            self._discard()
            return "the hashing process died on this file (a decoder crash or out of memory)"

    def _discard(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
