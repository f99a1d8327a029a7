"""The ``folder`` source: every image and video under a local folder.

For material a volunteer already holds: a seized phone dump, a downloaded archive, a
reporting inbox. Files are yielded as paths (a video may be gigabytes) and recognised by their
magic bytes, not their names. Symlinks are followed only while they stay inside the folder,
and each real directory is visited once, so a link loop or a link to ``/`` cannot widen the scan.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from haechi.sources.base import LocalSource
from haechi.sources.errors import SourceError
from haechi.sources.records import (
    FailureReason,
    Item,
    Media,
    MediaFailure,
    MediaSkipped,
    SkipReason,
)
from haechi.sources.sniff import SNIFF_BYTES, sniff


class FolderSource(LocalSource):
    """Walk ``root`` recursively (sorted, deterministic) and yield media files as paths."""

    kind = "folder"

    def __init__(self, root: Path, *, include_hidden: bool = True) -> None:
        self.root = root
        self.include_hidden = include_hidden

    def iter_items(self) -> Iterator[Item]:
        if not self.root.is_dir():
            raise SourceError(f"{self.root} is not a folder")
        real_root = self.root.resolve()
        visited: set[Path] = {real_root}
        pending = [real_root]
        while pending:
            folder = pending.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                yield self._failure(folder, FailureReason.MISSING_FILE, f"cannot list: {exc}")
                continue
            subfolders: list[Path] = []
            for entry in entries:
                if not self.include_hidden and entry.name.startswith("."):
                    continue
                path = Path(entry.path)
                real = path.resolve() if entry.is_symlink() else path
                if not real.is_relative_to(real_root):
                    yield self._failure(
                        path, FailureReason.UNSAFE_PATH, f"symlink leads outside {real_root}"
                    )
                    continue
                if real.is_dir():
                    key = real.resolve()
                    if key not in visited:
                        visited.add(key)
                        subfolders.append(path)
                elif real.is_file():
                    yield self._file(path)
            pending.extend(reversed(subfolders))

    def _failure(self, path: Path, reason: FailureReason, detail: str) -> MediaFailure:
        return MediaFailure(self.kind, path.absolute().as_uri(), reason, detail, path=path)

    def _file(self, path: Path) -> Item:
        try:
            with path.open("rb") as handle:
                media_type = sniff(handle.read(SNIFF_BYTES))
        except OSError as exc:
            return self._failure(path, FailureReason.MISSING_FILE, f"cannot read: {exc}")
        uri = path.absolute().as_uri()
        if media_type is None:
            return MediaSkipped(
                self.kind, uri, SkipReason.NOT_MEDIA, "not an image or video", path=path
            )
        return Media(
            source_kind=self.kind,
            found_at=uri,
            path=path,
            container=str(path.parent.relative_to(self.root)) if path.parent != self.root else ".",
            filename=path.name,
            media_type=media_type,
        )
