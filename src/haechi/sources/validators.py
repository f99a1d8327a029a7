"""Remembering ``ETag`` and ``Last-Modified`` between scans, so a re-scan asks "changed?".

Volunteers re-scan the same sites daily. A conditional request (``If-None-Match``,
``If-Modified-Since``) lets an unchanged page or image answer ``304`` with no body, which saves
their bandwidth and the site's, and tells the pipeline there is nothing new to hash.

A page that answers 304 has no body to take links from, so the cache also keeps the links the
page had last time; the crawl goes on through them.

The caller owns the cache and passes it in (the scan keeps one per watch-list entry);
:class:`JsonFileValidatorCache` keeps it in a small versioned JSON file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from haechi.sources.errors import SourceFormatError

_FORMAT = "haechi-validators"
_VERSION = 1


@dataclass(frozen=True)
class Validators:
    """What a server said last time, to ask it next time whether anything changed."""

    etag: str | None = None
    last_modified: str | None = None
    pages: tuple[str, ...] = ()
    media: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """Whether there is anything to make a conditional request with."""
        return bool(self.etag or self.last_modified)

    def request_headers(self) -> dict[str, str]:
        """The conditional request headers these validators give."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class ValidatorCache(Protocol):
    """Where validators are kept between scans, keyed by the URL as requested."""

    def get(self, url: str) -> Validators | None:
        """The validators stored for ``url``, or ``None``."""

    def put(self, url: str, validators: Validators) -> None:
        """Store (replace) the validators for ``url``."""


class InMemoryValidatorCache:
    """A cache that lives as long as the object; enough for one process re-scanning."""

    def __init__(self) -> None:
        self._entries: dict[str, Validators] = {}

    def get(self, url: str) -> Validators | None:
        return self._entries.get(url)

    def put(self, url: str, validators: Validators) -> None:
        self._entries[url] = validators

    def __len__(self) -> int:
        return len(self._entries)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


class JsonFileValidatorCache(InMemoryValidatorCache):
    """An in-memory cache loaded from and saved to a versioned JSON file.

    Call :meth:`save` after a scan; the file is replaced atomically, so a crash mid-write
    leaves the previous version.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        if path.exists():
            self._load()

    def _load(self) -> None:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SourceFormatError(f"{self.path}: cannot read validator cache ({exc})") from exc
        if (
            not isinstance(doc, dict)
            or doc.get("format") != _FORMAT
            or doc.get("version") != _VERSION
            or not isinstance(doc.get("entries"), dict)
        ):
            raise SourceFormatError(
                f"{self.path}: not a {_FORMAT} v{_VERSION} file; delete it to start afresh"
            )
        for url, entry in doc["entries"].items():
            if isinstance(url, str) and isinstance(entry, dict):
                self.put(
                    url,
                    Validators(
                        etag=_text(entry.get("etag")),
                        last_modified=_text(entry.get("last_modified")),
                        pages=_strings(entry.get("pages")),
                        media=_strings(entry.get("media")),
                    ),
                )

    def save(self) -> None:
        """Write the cache to its file atomically."""
        entries = {
            url: {
                "etag": v.etag,
                "last_modified": v.last_modified,
                "pages": list(v.pages),
                "media": list(v.media),
            }
            for url, v in sorted(self._entries.items())
        }
        doc = {"format": _FORMAT, "version": _VERSION, "entries": entries}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".validators-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(doc, out, ensure_ascii=False, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
