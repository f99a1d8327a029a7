"""Keeping every file a source opens inside the folder it was pointed at.

Exports are files written by others, sometimes by the perpetrators' own tools: a ``photo`` entry
of ``../../.ssh/id_ed25519`` or a symlink to ``/etc`` must not make haechi read, hash and store
files from the volunteer's own machine.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath
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
