"""The backup file: a tar stream encrypted as one age file, written atomically.

The tar is produced in one thread and encrypted in another through a pipe, so the plaintext
never touches a disk (the backup disk is not trusted) and memory stays flat whatever the size.
The encrypted bytes go to ``<out>.<random>.partial`` beside the target, are fsynced, and only
then renamed over the target name and the folder fsynced: a backup killed halfway leaves a
``.partial`` file that nothing takes for a backup, never a short file under the real name.

Reading reverses it: age authenticates the stream in 64 KiB chunks, so one flipped byte stops
decryption at the chunk that holds it; the member being read then is named as damaged.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import tarfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from haechi.ops.errors import BackupDamaged, OpsError, WrongKey

T = TypeVar("T")
CHUNK = 1 << 20


def _pyrage() -> Any:
    import pyrage  # type: ignore[import-untyped]

    return pyrage


class _HashingWriter(io.RawIOBase):
    """A file that hashes and counts what is written through it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.handle.write(view)
        self.digest.update(view)
        self.size += len(view)
        return len(view)


@dataclass(frozen=True)
class Member:
    """One file in the tar: its name, size and SHA-256."""

    name: str
    size: int
    sha256: str


class TarWriter:
    """Adds files to the backup's tar stream and notes each one's digest."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self._tar = tar
        self.members: list[Member] = []

    def _info(self, name: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o600
        info.mtime = 0
        return info

    def add_bytes(self, name: str, data: bytes) -> Member:
        """Add ``data`` as ``name``."""
        self._tar.addfile(self._info(name, len(data)), io.BytesIO(data))
        member = Member(name, len(data), hashlib.sha256(data).hexdigest())
        self.members.append(member)
        return member

    def add_file(self, name: str, path: Path) -> Member:
        """Add the file at ``path`` (which must not change while it is read) as ``name``."""
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            digest = hashlib.sha256()

            class Reader(io.RawIOBase):
                def readable(self) -> bool:
                    return True

                def readinto(self, buffer: Any) -> int:
                    n = handle.readinto(buffer)
                    if n:
                        digest.update(memoryview(buffer)[:n])
                    return n or 0

            self._tar.addfile(self._info(name, size), io.BufferedReader(Reader(), CHUNK))
        member = Member(name, size, digest.hexdigest())
        self.members.append(member)
        return member


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Written:
    """A backup file in place: its SHA-256 and size."""

    path: Path
    sha256: str
    size: int


def write_encrypted(
    out: Path, recipients: list[Any], produce: Callable[[TarWriter], T]
) -> tuple[T, Written]:
    """Stream the tar ``produce`` writes, encrypted for ``recipients``, atomically to ``out``."""
    pyrage = _pyrage()
    out = out.absolute()
    if not out.parent.is_dir():
        raise OpsError(f"cannot write the backup: folder {out.parent} does not exist")
    if out.exists():  # a later incremental backup may build on it: never overwritten
        raise OpsError(f"{out} exists already; give each backup a new name (e.g. with the date)")
    partial = out.with_name(f"{out.name}.{secrets.token_hex(4)}.partial")
    read_fd, write_fd = os.pipe()
    result: list[T] = []
    failure: list[BaseException] = []

    def producer() -> None:
        try:
            with (
                os.fdopen(write_fd, "wb", buffering=CHUNK) as pipe,
                tarfile.open(fileobj=pipe, mode="w|", format=tarfile.PAX_FORMAT) as tar,
            ):
                result.append(produce(TarWriter(tar)))
        except BaseException as exc:  # handed to the main thread, which re-raises it
            failure.append(exc)

    thread = threading.Thread(target=producer, name="backup-tar", daemon=True)
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        raise OpsError(f"cannot write the backup to {out.parent}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            sink = _HashingWriter(handle)
            thread.start()
            with os.fdopen(read_fd, "rb", buffering=CHUNK) as source:
                try:
                    pyrage.encrypt_io(source, sink, recipients)
                finally:
                    source.close()  # a producer still writing gets a broken pipe, not a hang
                    thread.join()
            if failure:
                raise failure[0]
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, out)
        _fsync_dir(out.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result[0], Written(out, sink.digest.hexdigest(), sink.size)


def _decrypt_problem(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


@dataclass
class _Progress:
    """Which tar member was being read when the stream stopped."""

    current: str | None = None
    last_whole: str | None = None


def read_encrypted(
    path: Path, identities: list[Any], consume: Callable[[Iterator[tuple[str, IO[bytes]]]], T]
) -> T:
    """Decrypt ``path`` and hand its regular files, in order, to ``consume``.

    Raises :class:`WrongKey` when no identity opens it and :class:`BackupDamaged`, naming the
    member being read, when the encrypted stream or the tar is damaged.
    """
    pyrage = _pyrage()
    try:
        encrypted = path.open("rb")
    except OSError as exc:
        raise OpsError(f"cannot read backup {path}: {exc.strerror}") from None
    read_fd, write_fd = os.pipe()
    failure: list[BaseException] = []

    def decrypter() -> None:
        try:
            with os.fdopen(write_fd, "wb", buffering=CHUNK) as pipe:
                pyrage.decrypt_io(encrypted, pipe, identities)
        except BrokenPipeError:
            pass  # the reader stopped first; its own error says why
        except BaseException as exc:
            failure.append(exc)

    progress = _Progress()
    thread = threading.Thread(target=decrypter, name="backup-decrypt", daemon=True)
    thread.start()
    outcome: T | None = None
    tar_error: BaseException | None = None
    try:
        with os.fdopen(read_fd, "rb", buffering=CHUNK) as source:
            try:
                with tarfile.open(fileobj=source, mode="r|") as tar:
                    outcome = consume(_members(tar, progress))
                while source.read(CHUNK):  # the rest must decrypt too: a flip there counts
                    pass
            except (tarfile.TarError, EOFError) as exc:
                tar_error = exc
            finally:
                source.close()
                thread.join()
    finally:
        encrypted.close()
    if failure:
        stopped = failure[0]
        if type(stopped).__name__ == "DecryptError" and "No matching keys" in str(stopped):
            raise WrongKey(
                f"{path} is not encrypted for the identity given: use the identity file whose "
                "public key is in the home's backup-recipients.txt"
            ) from None
        raise BackupDamaged(_where(path, progress, _decrypt_problem(stopped))) from None
    if tar_error is not None:
        raise BackupDamaged(_where(path, progress, str(tar_error))) from None
    return cast(T, outcome)


def _where(path: Path, progress: _Progress, problem: str) -> str:
    if progress.current is not None:
        place = f"in {progress.current}"
    elif progress.last_whole is not None:
        place = f"after {progress.last_whole}"
    else:
        place = "in its header"
    return (
        f"backup {path} is damaged {place} ({problem}): it cannot be restored; "
        "use another copy or an earlier backup"
    )


def _members(tar: tarfile.TarFile, progress: _Progress) -> Iterator[tuple[str, IO[bytes]]]:
    for info in tar:
        if not info.isfile():
            raise BackupDamaged(f"the backup holds {info.name!r}, which is not a regular file")
        handle = tar.extractfile(info)
        if handle is None:
            raise BackupDamaged(f"the backup's member {info.name!r} cannot be read")
        progress.current = info.name
        yield info.name, handle
        progress.last_whole = info.name
        progress.current = None
