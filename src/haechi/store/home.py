"""Keeping ``HAECHI_HOME`` private: the folder 0700, every file in it 0600.

The home holds what must not leak: the database (labels, hit paths whose file names often
carry victims' names, posters' names), the evidence objects (the pages and images themselves),
the evidence log and the index files. On a shared machine the usual 0755/0644 lets every
other account read them. So the home is created 0700 and each writer creates its files 0600
(:data:`PRIVATE_FILE`); :func:`private_umask` makes the same hold for any file the process
creates, and :func:`home_problems` finds what is looser (a home made by an older version, a
file copied in), for the CLI to warn about at start. :func:`secure_home` tightens them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from haechi.errors import StoreError

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_LOOSE = stat.S_IRWXG | stat.S_IRWXO


def private_umask() -> int:
    """Make every file and folder this process creates private (umask 077); returns the old one."""
    return os.umask(0o077)


def prepare_home(home: Path) -> None:
    """Create ``home`` (and missing parents of it) with mode 0700; an existing one is kept."""
    if home.is_dir():
        return
    try:
        home.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        os.chmod(home, PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    except OSError as exc:
        raise StoreError(f"cannot create HAECHI_HOME {home}: {exc.strerror}") from None


def create_private_file(path: Path) -> None:
    """Create an empty file 0600 at ``path`` if there is none (before a library opens it)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc.strerror}") from None
    os.close(fd)


def _mode(value: int) -> str:
    return format(stat.S_IMODE(value), "04o")


def home_problems(home: Path, limit: int = 20, max_depth: int | None = None) -> list[str]:
    """What in ``home`` others can reach: the folder if looser than 0700, files looser than 0600.

    Symbolic links are not followed. At most ``limit`` files are named, then a count of the rest.
    ``max_depth`` stops the walk that many folders down (1: the home's own files and those of
    its folders), for a check at every start that must stay cheap on a large evidence store.
    """
    try:
        info = home.lstat()
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [f"HAECHI_HOME {home} cannot be checked: {exc.strerror}"]
    problems: list[str] = []
    if info.st_mode & _LOOSE:
        problems.append(
            f"HAECHI_HOME {home} is mode {_mode(info.st_mode)}: other accounts can enter it "
            f"(run chmod 700 {home})"
        )
    loose: list[str] = []
    for folder, dirs, files in os.walk(home, followlinks=False):
        if max_depth is not None and len(Path(folder).relative_to(home).parts) >= max_depth:
            dirs.clear()
        for name in files:
            path = Path(folder) / name
            try:
                mode = path.lstat().st_mode
            except OSError:
                continue
            if stat.S_ISREG(mode) and mode & _LOOSE:
                loose.append(f"{path} is mode {_mode(mode)}")
    if loose:
        shown = loose[:limit]
        more = f" and {len(loose) - limit} more" if len(loose) > limit else ""
        problems.append(
            "files in HAECHI_HOME that other accounts can read: "
            + "; ".join(shown)
            + more
            + f" (run chmod -R go-rwx {home})"
        )
    return problems


def secure_home(home: Path) -> int:
    """Make ``home`` 0700 and everything in it private; returns how many modes changed."""
    changed = 0
    for folder, dirs, files in os.walk(home, followlinks=False):
        for path in [Path(folder), *(Path(folder) / d for d in dirs)]:
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode) and mode & _LOOSE:
                os.chmod(path, PRIVATE_DIR)
                changed += 1
        for name in files:
            path = Path(folder) / name
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode) and mode & _LOOSE:
                os.chmod(path, stat.S_IMODE(mode) & ~_LOOSE)
                changed += 1
    return changed
