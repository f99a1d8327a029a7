"""Keeping every file a source opens inside the folder it was pointed at.

Exports are files written by others, sometimes by the perpetrators' own tools: a ``photo`` entry
of ``../../.ssh/id_ed25519`` or a symlink to ``/etc`` must not make haechi read, hash and store
files from the volunteer's own machine.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO
from urllib.parse import unquote

from haechi.sources.errors import UnsafePath


def resolve_inside(root: Path, relative: str) -> Path:
    """The real path of ``relative`` under ``root``; raise :class:`UnsafePath` if it escapes.

    Absolute paths, drive letters, NUL bytes and anything that resolves (through ``..`` or
    symlinks) outside the real ``root`` are refused. The file need not exist.
    """
    if not relative or "\x00" in relative:
        raise UnsafePath(f"{relative!r}: empty or NUL in path")
    text = relative.replace("\\", "/")
    if PurePosixPath(text).is_absolute() or PureWindowsPath(relative).drive:
        raise UnsafePath(f"{relative!r}: absolute paths are not followed")
    real_root = root.resolve()
    candidate = (real_root / text).resolve()
    if not candidate.is_relative_to(real_root):
        raise UnsafePath(f"{relative!r} leads outside {real_root}")
    return candidate


def find_inside(root: Path, relative: str) -> Path:
    """Like :func:`resolve_inside`, also trying the percent-decoded form if the plain one is absent.

    Some exporters write local paths URL-encoded (``my%20photo.jpg``).
    """
    path = resolve_inside(root, relative)
    if not path.exists() and "%" in relative:
        decoded = resolve_inside(root, unquote(relative))
        if decoded.exists():
            return decoded
    return path


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words: ``"a FIFO"``, ``"a socket"``..."""
    return next((name for test, name in _SPECIAL if test(mode)), "not a regular file")


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading without ever blocking on a FIFO or a device.

    Opening a FIFO waits for a writer forever, so the file is opened non-blocking and its type
    checked on the open descriptor (a file swapped for a FIFO after a listing is refused, not
    waited on). Raises ``OSError``, with the kind of file when it is not a regular one.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"{file_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
