"""Concurrent lookups searched together: one index search per batch of waiting requests.

Why: each search call has a cost outside the compiled loop (Python, and a hop to the search
thread and back); requests that arrive while one search runs share the next call. Requests on
a worker's event loop put their hashes in a queue; while a search runs, the next batch gathers.
A lone request waits for nothing: the queue is drained as soon as it is not empty.

Where the time goes at a million hashes (radius 31, this 2-core machine): about 0.3 ms of one
core per hash, whether alone or in a batch of 64. So a batch of at most :data:`INLINE_HASHES`
is searched on the event loop itself: handing it to the thread and back cost more, under
load, than the search (each hand-over waits for the interpreter lock, up to 5 ms, and showed in
the p99 of single lookups). Larger batches go to the search thread, where the compiled search
releases the interpreter lock, so the loop keeps answering; they are searched
:data:`SEARCH_CHUNK` hashes per call, so that a request bringing 20,000 video frames or 8,000
dihedral variants does not hold the thread (and the requests queued behind it) for one long
call. A request larger than :data:`MAX_BATCH_HASHES` is searched alone.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from haechi.index.base import MatchIndex, RangeResult
from haechi.platform_api.snapshot import Snapshot

MAX_BATCH_HASHES = 4096
SEARCH_CHUNK = 256
INLINE_HASHES = 4

_Item = tuple[Snapshot, npt.NDArray[np.uint8], "asyncio.Future[RangeResult]"]


def search_chunked(
    index: MatchIndex, queries: npt.NDArray[np.uint8], radius: int, chunk: int = SEARCH_CHUNK
) -> RangeResult:
    """``index``'s matches of ``queries``, as one search gives them, ``chunk`` hashes a call."""
    if len(queries) <= chunk:
        return index.search(queries, radius)
    parts = []
    for start in range(0, len(queries), chunk):
        found = index.search(queries[start : start + chunk], radius)
        parts.append((found.query + start, found.ids, found.distances))
    return RangeResult(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


class SearchBatcher:
    """One per worker process; ``search`` is called on its event loop."""

    def __init__(self, radius: int) -> None:
        self.radius = radius
        self._pending: list[_Item] = []
        self._busy = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="haechi-search")

    async def search(self, snap: Snapshot, queries: npt.NDArray[np.uint8]) -> RangeResult:
        """The index's matches of ``queries`` (as :meth:`MatchIndex.search` gives them)."""
        future: asyncio.Future[RangeResult] = asyncio.get_running_loop().create_future()
        self._pending.append((snap, queries, future))
        if not self._busy:
            self._busy = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    def _take(self) -> list[_Item]:
        """The next batch: the oldest request whatever its size, then those that fit."""
        snap = self._pending[0][0]
        batch: list[_Item] = []
        rest: list[_Item] = []
        taken = 0
        for item in self._pending:
            if item[0] is snap and (not batch or taken + len(item[1]) <= MAX_BATCH_HASHES):
                batch.append(item)
                taken += len(item[1])
            else:
                rest.append(item)
        self._pending = rest
        return batch

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch = self._take()
                snap = batch[0][0]
                try:
                    queries = np.concatenate([q for _, q, _ in batch])
                    if len(queries) <= INLINE_HASHES:
                        found = snap.index.search(queries, self.radius)
                    else:
                        found = await loop.run_in_executor(
                            self._pool, search_chunked, snap.index, queries, self.radius
                        )
                except Exception as exc:
                    for _, _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                start = 0
                for _, q, future in batch:
                    lo, hi = np.searchsorted(found.query, [start, start + len(q)])
                    part = RangeResult(
                        found.query[lo:hi] - start, found.ids[lo:hi], found.distances[lo:hi]
                    )
                    start += len(q)
                    if not future.done():
                        future.set_result(part)
        finally:
            self._busy = False

    def close(self) -> None:
        self._pool.shutdown(wait=False)
