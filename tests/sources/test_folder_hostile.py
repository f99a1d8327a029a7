"""Folders built to stop a scan: loops, FIFOs, sockets, devices, dangling links, deep nesting.

Each member of the class must end as a recorded outcome (or, for a folder met twice, nothing),
the walk must end, and the photos beside them must still be found.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from haechi.sources.detect import open_source
from haechi.sources.errors import SourceError
from haechi.sources.folder import FolderSource
from haechi.sources.records import (
    FailureReason,
    Item,
    Media,
    MediaFailure,
    MediaSkipped,
    SkipReason,
)
from tests.sources.sitekit import image_bytes

ROOT = os.geteuid() == 0


def walk(root: Path) -> list[Item]:
    return list(FolderSource(root).iter_sync())


def media_paths(items: list[Item]) -> set[str]:
    return {os.path.realpath(i.path) for i in items if isinstance(i, Media) and i.path}


def by_name(items: list[Item]) -> dict[str, Item]:
    return {Path(i.path).name: i for i in items if not isinstance(i, Media) and i.path}


@pytest.fixture
def inbox(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "photo.png").write_bytes(image_bytes(1))
    (folder / "sub" / "deeper.png").write_bytes(image_bytes(2))
    yield folder


def expected(inbox: Path) -> set[str]:
    return {str((inbox / "photo.png").resolve()), str((inbox / "sub" / "deeper.png").resolve())}


def test_symlink_loops_end_and_are_reported(inbox: Path) -> None:
    (inbox / "sub" / "up").symlink_to("..")  # back to the root: a folder already visited
    (inbox / "sub" / "up2").symlink_to(inbox / "sub")  # itself, by absolute path
    (inbox / "self").symlink_to("self")  # ELOOP
    (inbox / "ping").symlink_to("pong")
    (inbox / "pong").symlink_to("ping")
    items = walk(inbox)
    assert media_paths(items) == expected(inbox)
    assert sum(isinstance(i, Media) for i in items) == 2  # each real folder walked once
    failed = by_name(items)
    for name in ("self", "ping", "pong"):
        item = failed[name]
        assert isinstance(item, MediaFailure) and item.reason is FailureReason.MISSING_FILE
        assert "symbolic links" in item.detail or "Too many levels" in item.detail


def test_the_root_itself_a_loop_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(SourceError, match="cannot be read"):
        walk(tmp_path / "loop")


def test_fifos_sockets_and_devices_are_skipped_never_opened(
    inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(inbox / "pipe.jpg")  # opening it would wait for a writer forever
    monkeypatch.chdir(inbox)  # a socket's path must be short
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("sock.png")
    if ROOT:
        os.mknod(inbox / "null.jpg", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    items = walk(inbox)
    assert media_paths(items) == expected(inbox)
    skipped = by_name(items)
    kinds = {"pipe.jpg": "a FIFO", "sock.png": "a socket"} | (
        {"null.jpg": "a character device"} if ROOT else {}
    )
    for name, kind in kinds.items():
        item = skipped[name]
        assert isinstance(item, MediaSkipped) and item.reason is SkipReason.NOT_FILE
        assert item.detail == kind


def test_dangling_and_escaping_links(inbox: Path, tmp_path: Path) -> None:
    (inbox / "gone.jpg").symlink_to(inbox / "never-there.jpg")
    outside = tmp_path / "secret.png"
    outside.write_bytes(image_bytes(3))
    (inbox / "out.png").symlink_to(outside)
    (inbox / "etc").symlink_to("/etc")
    items = walk(inbox)
    assert media_paths(items) == expected(inbox)
    failed = by_name(items)
    gone, out, etc = failed["gone.jpg"], failed["out.png"], failed["etc"]
    assert isinstance(gone, MediaFailure) and gone.reason is FailureReason.MISSING_FILE
    assert isinstance(out, MediaFailure) and out.reason is FailureReason.UNSAFE_PATH
    assert isinstance(etc, MediaFailure) and etc.reason is FailureReason.UNSAFE_PATH


def test_nesting_deeper_than_the_system_allows_is_one_failure(inbox: Path) -> None:
    # 60 levels of 100-character names: 6,000 characters, beyond PATH_MAX (4,096). Built by
    # descriptors, as no path names the bottom.
    fd = os.open(inbox / "sub", os.O_RDONLY)
    try:
        for _ in range(60):
            os.mkdir("d" * 100, dir_fd=fd)
            child = os.open("d" * 100, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        photo = os.open("bottom.png", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(photo, image_bytes(4))
        os.close(photo)
    finally:
        os.close(fd)
    items = walk(inbox)
    assert media_paths(items) == expected(inbox)
    [failure] = [i for i in items if isinstance(i, MediaFailure)]
    assert "name too long" in failure.detail.lower()


def test_a_thousand_levels_of_short_names_are_walked_without_recursion(tmp_path: Path) -> None:
    folder = tmp_path / "n"
    folder.mkdir()
    deep = folder
    for _ in range(1000):  # 2,000 characters: within PATH_MAX (mkdir(parents=True) recurses)
        deep = deep / "a"
        deep.mkdir()
    (deep / "bottom.png").write_bytes(image_bytes(5))
    try:
        [item] = walk(folder)
        assert isinstance(item, Media) and item.path is not None
        assert item.path.name == "bottom.png" and item.container == "/".join(["a"] * 1000)
    finally:
        # Removed here, bottom up: pytest deletes old temp folders with shutil.rmtree, which
        # recurses once per level and fails on this one with a RecursionError in a later run.
        (deep / "bottom.png").unlink()
        while deep != folder:
            deep.rmdir()
            deep = deep.parent


@pytest.mark.skipif(ROOT, reason="root reads files and folders whatever their mode")
def test_unreadable_files_and_folders_are_failures(inbox: Path) -> None:
    locked = inbox / "locked.png"
    locked.write_bytes(image_bytes(6))
    locked.chmod(0)
    closed = inbox / "closed"
    closed.mkdir()
    closed.chmod(0)
    try:
        items = walk(inbox)
    finally:
        closed.chmod(0o700)
        locked.chmod(0o600)
    assert media_paths(items) == expected(inbox)
    reasons = {Path(i.path).name: i for i in items if isinstance(i, MediaFailure) and i.path}
    assert "cannot read" in reasons["locked.png"].detail
    assert "cannot list" in reasons["closed"].detail


def test_a_relative_root_is_walked(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(inbox.parent)
    for target in ("inbox", "./inbox", "inbox/../inbox"):
        items = list(open_source(target).iter_sync())
        assert media_paths(items) == expected(inbox)
        containers = {i.container for i in items if isinstance(i, Media)}
        assert containers == {".", "sub"}
        assert all(i.path is not None and i.path.is_absolute() for i in items)


def test_a_relative_root_through_a_symlink(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (inbox.parent / "alias").symlink_to("inbox")
    monkeypatch.chdir(inbox.parent)
    items = walk(Path("alias"))
    assert media_paths(items) == expected(inbox)


def test_a_file_swapped_for_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    from haechi.sources.paths import open_regular
    from haechi.sources.sniff import sniff_file

    fifo = tmp_path / "later.png"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="a FIFO, not a regular file"):
        open_regular(fifo)
    assert sniff_file(fifo) is None
