"""The ``folder`` source: every image and video under a local folder.

For material a volunteer already holds: a seized phone dump, a downloaded archive, a
reporting inbox. Files are yielded as paths (a video may be gigabytes) and recognised by their
magic bytes, not their names.

Such folders are made by others, sometimes on purpose to stop a scan, so nothing in one can:
symlinks are followed only while they stay inside the folder, each real directory is visited
once (by device and inode, so a link loop ends at its second visit), dangling or looping links,
unreadable entries and paths too deep for the system each become a recorded failure, and
FIFOs, sockets and devices are skipped without ever being opened (opening a FIFO waits for a
writer forever). The walk is iterative, so no depth of nesting exhausts the stack.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from haechi.sources.base import LocalSource
from haechi.sources.errors import SourceError
from haechi.sources.paths import file_kind, open_regular
from haechi.sources.records import (
    FailureReason,
    Item,
    Media,
    MediaFailure,
    MediaSkipped,
    SkipReason,
    error_text,
)
from haechi.sources.sniff import SNIFF_BYTES, sniff


class FolderSource(LocalSource):
    """Walk ``root`` recursively (sorted, deterministic) and yield media files as paths.

    ``root`` may be relative (``haechi scan ./downloads``): paths are reported under its real,
    absolute location.
    """

    kind = "folder"

    def __init__(self, root: Path, *, include_hidden: bool = True) -> None:
        self.root = root
        self.include_hidden = include_hidden

    def iter_items(self) -> Iterator[Item]:
        real_root = Path(os.path.realpath(self.root))
        try:
            root_stat = os.stat(real_root)
        except OSError as exc:
            raise SourceError(f"{self.root} cannot be read ({exc.strerror or exc})") from exc
        if not stat.S_ISDIR(root_stat.st_mode):
            raise SourceError(f"{self.root} is not a folder")
        visited = {(root_stat.st_dev, root_stat.st_ino)}
        pending = [real_root]
        while pending:
            folder = pending.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as exc:
                yield self._failure(folder, FailureReason.MISSING_FILE, f"cannot list: {exc}")
                continue
            subfolders: list[Path] = []
            for entry in entries:
                if not self.include_hidden and entry.name.startswith("."):
                    continue
                try:
                    item = self._entry(entry, real_root, visited, subfolders)
                except Exception as exc:  # one entry ends with a recorded failure; walk on
                    item = self._failure(Path(entry.path), FailureReason.ERROR, error_text(exc))
                if item is not None:
                    yield item
            pending.extend(reversed(subfolders))

    def _entry(
        self,
        entry: os.DirEntry[str],
        real_root: Path,
        visited: set[tuple[int, int]],
        subfolders: list[Path],
    ) -> Item | None:
        """The record for one directory entry; folders to visit are added to ``subfolders``."""
        path = Path(entry.path)
        if entry.is_symlink():
            target = Path(os.path.realpath(path))  # never raises, even on a loop
            if not target.is_relative_to(real_root):
                return self._failure(
                    path, FailureReason.UNSAFE_PATH, f"symlink leads outside {real_root}"
                )
        try:
            info = os.stat(path)  # follows links: ELOOP for a loop, ENOENT for a dangling one
        except OSError as exc:
            return self._failure(path, FailureReason.MISSING_FILE, f"cannot open: {exc.strerror}")
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key not in visited:
                visited.add(key)
                subfolders.append(path)
            return None
        if not stat.S_ISREG(info.st_mode):
            return MediaSkipped(
                self.kind, path.as_uri(), SkipReason.NOT_FILE, file_kind(info.st_mode), path=path
            )
        return self._file(path, real_root)

    def _failure(self, path: Path, reason: FailureReason, detail: str) -> MediaFailure:
        return MediaFailure(self.kind, path.absolute().as_uri(), reason, detail, path=path)

    def _file(self, path: Path, real_root: Path) -> Item:
        try:
            with open_regular(path) as handle:
                media_type = sniff(handle.read(SNIFF_BYTES))
        except OSError as exc:
            return self._failure(path, FailureReason.MISSING_FILE, f"cannot read: {exc}")
        uri = path.as_uri()
        if media_type is None:
            return MediaSkipped(
                self.kind, uri, SkipReason.NOT_MEDIA, "not an image or video", path=path
            )
        parent = path.parent
        return Media(
            source_kind=self.kind,
            found_at=uri,
            path=path,
            container=str(parent.relative_to(real_root)) if parent != real_root else ".",
            filename=path.name,
            media_type=media_type,
        )
