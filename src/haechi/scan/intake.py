"""From what a source yields to what the pipeline checks.

Sources know nothing of hashing and the pipeline nothing of Telegram or HTML: this is the one
place where a :class:`~haechi.sources.Media` becomes a :class:`Found` and a source's failure or
skip becomes a recorded :class:`FileOutcome`.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from queue import Empty, Queue

from haechi.errors import HaechiError
from haechi.scan.model import FileOutcome, Found, Sighting
from haechi.settings import Settings
from haechi.sources import (
    DEFAULT_USER_AGENT,
    CrawlLimits,
    FetchPolicy,
    Item,
    JsonFileValidatorCache,
    Media,
    MediaFailure,
    Source,
    SourceOptions,
    TelegramLiveConfig,
    TelegramLiveSource,
)
from haechi.sources.records import error_text


def _shown(path: Path) -> str:
    """A path as text that a database and a terminal accept: undecodable bytes escaped."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def sighting(media: Media) -> Sighting:
    """Where a media item was met: the file, or the URL its bytes came from, and its context.

    A file from a chat export carries its message's link as :attr:`Sighting.message`, so a copy
    of the same export unpacked elsewhere is the same sighting, not a second hit.
    """
    location = _shown(media.path) if media.path is not None else media.url or media.found_at
    found_in = media.found_at if media.found_at != location else None
    if media.path is not None and media.found_at.startswith("file:"):
        found_in = None
    message = None
    if media.path is not None and media.message_id is not None and found_in is not None:
        message = found_in
    return Sighting(
        location=location,
        source_kind=media.source_kind,
        found_in=found_in,
        container=media.container,
        poster=media.poster,
        posted_at=media.posted_at,
        message=message,
        forwarded_from=media.forwarded_from,
        poster_id=media.poster_id,
        container_id=media.container_id,
        forwarded_from_id=media.forwarded_from_id,
    )


def to_pipeline(item: Item) -> Found | FileOutcome:
    """One source item as the pipeline's input."""
    if isinstance(item, Media):
        payload = item.data if item.data is not None else item.path
        assert payload is not None
        return Found(payload, sighting(item))
    where = item.url or (_shown(item.path) if item.path else item.found_at)
    status = "failed" if isinstance(item, MediaFailure) else "skipped"
    detail = f"{item.reason.value}: {item.detail}" if item.detail else item.reason.value
    return FileOutcome(where, status, detail)


_DONE = object()


def intake(
    source: Source, prefetch: int = 256, where: str | None = None
) -> Iterator[Found | FileOutcome]:
    """Every item of a source, as pipeline input, fetched ahead in a thread.

    Fetching waits on the network and hashing on the CPU: a producer thread keeps the source
    going (up to ``prefetch`` items ahead) while the pipeline hashes the last batch. A
    :class:`~haechi.errors.HaechiError` of the source (it cannot be read at all) is raised here,
    in the consumer, where the scan can report it. Anything else a source raises part-way (a
    bug, or input no source was written for) ends the stream with one failed outcome naming
    ``where`` (the scan's target), so the items before it are still scanned and recorded.
    """
    queue: Queue[object] = Queue(maxsize=prefetch)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in source.iter_sync():
                if stop.is_set():
                    return
                try:
                    entry = to_pipeline(item)
                except Exception as exc:  # one item ends with a recorded failure
                    entry = FileOutcome(item.found_at, "failed", error_text(exc))
                queue.put(entry)
        except HaechiError as exc:  # handed to the consumer, which re-raises it
            queue.put(exc)
        except Exception as exc:  # the source broke part-way: what it gave is still scanned
            stopped = f"the {source.kind} source stopped: {error_text(exc)}"
            queue.put(FileOutcome(where or source.kind, "failed", stopped))
        except BaseException as exc:  # KeyboardInterrupt, SystemExit: the consumer re-raises
            queue.put(exc)
        finally:
            queue.put(_DONE)

    producer = threading.Thread(target=produce, name=f"intake-{source.kind}", daemon=True)
    producer.start()
    try:
        while (item := queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Found | FileOutcome)
            yield item
    finally:
        stop.set()
        while producer.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get_nowait()
            except Empty:
                producer.join(0.05)


def source_options(
    settings: Settings,
    allow_hosts: Sequence[str] = (),
    max_depth: int | None = None,
    max_pages: int | None = None,
) -> SourceOptions:
    """How sources fetch, from settings and the command line's additions."""
    policy = FetchPolicy(
        allow=(*settings.allow_hosts, *allow_hosts),
        user_agent=settings.user_agent or DEFAULT_USER_AGENT,
        max_bytes=settings.max_file_bytes,
        max_decoded_bytes=settings.max_file_bytes,
    )
    limits = CrawlLimits()
    if max_depth is not None:
        limits = replace(limits, max_depth=max_depth)
    if max_pages is not None:
        limits = replace(limits, max_pages=max_pages)
    telegram = None
    if settings.telegram_api_id and settings.telegram_api_hash and settings.telegram_session:
        telegram = TelegramLiveConfig(
            api_id=settings.telegram_api_id,
            api_hash=settings.telegram_api_hash.get_secret_value(),
            session_path=settings.telegram_session,
        )
    # Conditional requests on re-scans: a page or file that has not changed is not fetched.
    cache = JsonFileValidatorCache(settings.home / "http-validators.json")
    return SourceOptions(
        policy=policy,
        limits=limits,
        cache=cache,
        telegram=telegram,
        since=load_telegram_marks(settings),
    )


def _marks_path(settings: Settings) -> Path:
    return settings.home / "telegram-marks.json"


def load_telegram_marks(settings: Settings) -> dict[str, int]:
    """The highest message id read per live Telegram chat, so a run fetches only what is new."""
    path = _marks_path(settings)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise HaechiError(f"{path} is damaged ({exc}); delete it to re-read every chat") from None
    if doc.get("version") != 1 or not isinstance(doc.get("chats"), dict):
        raise HaechiError(f"{path} is not a haechi Telegram marks file (version 1)")
    return {str(k): int(v) for k, v in doc["chats"].items()}


def save_telegram_marks(settings: Settings, source: Source) -> None:
    """After a live Telegram scan, remember how far each chat was read (atomic replace)."""
    if not isinstance(source, TelegramLiveSource):
        return
    marks = {**load_telegram_marks(settings), **source.last_seen}
    path = _marks_path(settings)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump({"version": 1, "chats": marks}, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def save_validators(options: SourceOptions) -> None:
    """Keep the validators learnt in a finished scan for the next one."""
    if isinstance(options.cache, JsonFileValidatorCache):
        options.cache.save()
