"""The ``Source`` extension point: anything that holds media a volunteer wants checked.

Perpetrators move to a new platform as soon as one is shut, so adding a source must be cheap:
one small class with a stable short ``kind`` name and one method, :meth:`Source.items`, that
yields :data:`~haechi.sources.records.Item` records. Fetching is I/O, so the method is an async
iterator; :meth:`Source.iter_sync` lets the CLI or a test consume any source without asyncio.
Sources that only read local files implement the simpler :class:`LocalSource`.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Generator, Iterator
from typing import ClassVar

from haechi.sources.records import Item


class Source(ABC):
    """A place media is found: a site, an export folder, a chat account.

    ``kind`` is the stable short name (``"web"``, ``"telegram-export"``) used as the key in
    the database, the CLI and the API.
    """

    kind: ClassVar[str]

    @abstractmethod
    def items(self) -> AsyncIterator[Item]:
        """Yield every media item found, and a failure or skip record for each item not had.

        Contract: per-item problems are yielded as :class:`MediaFailure` / :class:`MediaSkipped`
        and never end the iteration; a :class:`~haechi.sources.errors.SourceError` is raised
        only when the source as a whole cannot be read (missing export, bad credentials). The
        same media may be yielded again by a later run (sources keep no state unless handed a
        cache or bookkeeping by the caller). Stopping early (``aclose``) releases everything.
        """

    def iter_sync(self) -> Generator[Item, None, None]:
        """Consume :meth:`items` from synchronous code, one item at a time.

        Runs a private event loop; must not be called from inside a running event loop.
        """
        loop = asyncio.new_event_loop()
        agen = self.items()
        try:
            while True:
                try:
                    yield loop.run_until_complete(agen.__anext__())
                except StopAsyncIteration:
                    break
        finally:
            aclose = getattr(agen, "aclose", None)
            if aclose is not None:
                loop.run_until_complete(aclose())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()


class LocalSource(Source):
    """A source that reads local files only, so it is naturally a plain generator."""

    @abstractmethod
    def iter_items(self) -> Iterator[Item]:
        """The same contract as :meth:`Source.items`, synchronously."""

    async def items(self) -> AsyncIterator[Item]:
        for count, item in enumerate(self.iter_items()):
            yield item
            if count % 64 == 63:
                await asyncio.sleep(0)  # let other tasks run during a long folder walk

    def iter_sync(self) -> Generator[Item, None, None]:
        yield from self.iter_items()
