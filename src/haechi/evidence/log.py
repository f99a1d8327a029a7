"""The evidence log: append-only, hash-chained, fsynced JSON lines, with signed checkpoints.

Every capture and every later action on it (viewed, exported, notice sent, destroyed) is one
entry. Each entry names the previous entry's hash, so removing, changing or reordering any entry
breaks the chain; checkpoints sign a Merkle root over all entries (:mod:`haechi.evidence.merkle`)
so one entry can be proven to a third party without showing the others.

File format, version 1 (``<home>/evidence/log.jsonl``): one entry per line, canonical JSON
(sorted keys, no spaces, UTF-8), fields ``v`` (1), ``seq`` (0, 1, …), ``time`` (UTC ISO 8601
with Z), ``kind``, ``subject`` (what the entry is about, e.g. a capture id), ``artifacts``
(SHA-256 hex of the objects it concerns), ``details`` (JSON object), ``prev`` (the previous
entry's ``hash``; 64 zeros for the first) and ``hash`` (SHA-256 of the canonical JSON of all the
other fields). The Merkle leaf of an entry is its line's bytes without the newline.

Crash safety: an entry is written with one ``write`` of the whole line and fsynced before
``append`` returns, so a crash can only leave a torn *last* line, which :meth:`EvidenceLog.open`
detects and cuts off. A complete last entry that lost only its newline is kept. Anything wrong
before the last line is damage, not a crash, and the log refuses to open
(:class:`~haechi.evidence.errors.LogCorrupted`) rather than append after it.

Appends from several processes are serialised with an exclusive ``flock`` on the log file; an
appender first reads what others added.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from haechi.evidence import merkle
from haechi.evidence.errors import LogCorrupted
from haechi.evidence.signing import Checkpoint, SigningKey

LOG_VERSION = 1
GENESIS = "0" * 64


class EntryKind(StrEnum):
    """What happened to the subject of an entry."""

    CAPTURED = "captured"
    VIEWED = "viewed"
    EXPORTED = "exported"
    NOTICE_SENT = "notice_sent"
    DESTROYED = "destroyed"


def canonical_json(data: Mapping[str, Any]) -> bytes:
    """The one byte form of a JSON object that hashes and signatures are computed over."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def utc_now() -> str:
    """The current UTC time as ISO 8601 with microseconds and ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LogEntry:
    """One line of the evidence log."""

    seq: int
    time: str
    kind: EntryKind
    subject: str
    artifacts: tuple[str, ...]
    details: Mapping[str, Any]
    prev: str
    hash: str
    line: bytes = field(repr=False, compare=False)

    def body(self) -> dict[str, Any]:
        """All fields except ``hash``: what ``hash`` is computed over."""
        return {
            "v": LOG_VERSION,
            "seq": self.seq,
            "time": self.time,
            "kind": self.kind.value,
            "subject": self.subject,
            "artifacts": list(self.artifacts),
            "details": dict(self.details),
            "prev": self.prev,
        }

    def computed_hash(self) -> str:
        """The hash this entry's fields give (equal to ``hash`` unless it was altered)."""
        return hashlib.sha256(canonical_json(self.body())).hexdigest()

    @property
    def leaf_hash(self) -> bytes:
        """Its Merkle leaf hash."""
        return merkle.leaf_hash(self.line)

    @classmethod
    def build(
        cls,
        *,
        seq: int,
        kind: EntryKind,
        subject: str,
        artifacts: Sequence[str],
        details: Mapping[str, Any],
        prev: str,
        time: str | None = None,
    ) -> LogEntry:
        """A new entry with its hash and line computed."""
        draft = cls(
            seq, time or utc_now(), kind, subject, tuple(artifacts), dict(details), prev, "", b""
        )
        body = draft.body()
        digest = hashlib.sha256(canonical_json(body)).hexdigest()
        line = canonical_json({**body, "hash": digest})
        return cls(
            seq, draft.time, kind, subject, draft.artifacts, draft.details, prev, digest, line
        )

    @classmethod
    def parse(cls, line: bytes) -> LogEntry:
        """Read one line; ``ValueError`` if it is not a version 1 entry."""
        data = json.loads(line)
        if not isinstance(data, dict) or data.get("v") != LOG_VERSION:
            raise ValueError(f"not a version {LOG_VERSION} log entry")
        artifacts = data["artifacts"]
        details = data["details"]
        if not isinstance(artifacts, list) or not isinstance(details, dict):
            raise ValueError("artifacts must be a list and details an object")
        return cls(
            seq=int(data["seq"]),
            time=str(data["time"]),
            kind=EntryKind(data["kind"]),
            subject=str(data["subject"]),
            artifacts=tuple(str(a) for a in artifacts),
            details=details,
            prev=str(data["prev"]),
            hash=str(data["hash"]),
            line=bytes(line),
        )


def chain_problem(entry: LogEntry, previous: LogEntry | None) -> str | None:
    """What is wrong with ``entry`` following ``previous`` in a log, or ``None``."""
    expected_seq = 0 if previous is None else previous.seq + 1
    expected_prev = GENESIS if previous is None else previous.hash
    if entry.seq != expected_seq:
        return f"entry {entry.seq} stands where entry {expected_seq} should"
    if entry.computed_hash() != entry.hash:
        return f"entry {entry.seq} was altered: its fields do not hash to its hash"
    if entry.prev != expected_prev:
        return f"entry {entry.seq} does not follow entry {expected_seq - 1}: prev-hash differs"
    return None


@dataclass(frozen=True)
class OpenReport:
    """What opening the log found: entries read and bytes of a torn last line cut off."""

    entries: int
    truncated_bytes: int


def _split_lines(data: bytes) -> tuple[list[bytes], bytes]:
    """Complete lines and the tail after the last newline."""
    cut = data.rfind(b"\n") + 1
    lines = data[:cut].split(b"\n")[:-1] if cut else []
    return lines, data[cut:]


class EvidenceLog:
    """The append-only evidence log in one file, with its checkpoints in a sibling file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.checkpoints_path = path.with_name(path.stem + ".checkpoints.jsonl")
        self._entries: list[LogEntry] = []
        self._size = 0
        self.opened = OpenReport(0, 0)

    @classmethod
    def open(cls, path: Path) -> EvidenceLog:
        """Open (creating if absent) and check the whole chain; cut a torn last line."""
        log = cls(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)  # private, as the home is
        os.close(fd)
        with log._locked():
            truncated = log._catch_up(repair=True)
        log.opened = OpenReport(len(log._entries), truncated)
        return log

    @contextmanager
    def _locked(self) -> Iterator[int]:
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def _catch_up(self, repair: bool) -> int:
        """Read entries appended since we last looked; returns bytes of torn tail cut off."""
        with self.path.open("rb") as handle:
            handle.seek(self._size)
            data = handle.read()
        lines, tail = _split_lines(data)
        offset = self._size
        for number, line in enumerate(lines):
            entry = self._parse(line, offset, last=False)
            self._accept(entry)
            offset += len(line) + 1
            del number
        truncated = 0
        if tail:
            try:
                entry = LogEntry.parse(tail)
                problem = chain_problem(entry, self._entries[-1] if self._entries else None)
            except (ValueError, KeyError, TypeError):
                problem = "torn"
            if problem is None:
                # A complete entry whose newline did not reach the disk: keep it.
                self._write_raw(b"\n")
                self._entries.append(entry)
                offset += len(tail) + 1
            elif repair:
                os.truncate(self.path, offset)
                self._fsync()
                truncated = len(tail)
            else:
                raise LogCorrupted(f"{self.path}: unfinished last line at byte {offset}")
        self._size = offset
        return truncated

    def _parse(self, line: bytes, offset: int, last: bool) -> LogEntry:
        try:
            return LogEntry.parse(line)
        except (ValueError, KeyError, TypeError) as exc:
            raise LogCorrupted(
                f"{self.path}: line at byte {offset} is not a log entry ({exc}); "
                "the log is damaged, restore it from a copy"
            ) from None

    def _accept(self, entry: LogEntry) -> None:
        problem = chain_problem(entry, self._entries[-1] if self._entries else None)
        if problem is not None:
            raise LogCorrupted(f"{self.path}: {problem}; the log is damaged, restore it")
        self._entries.append(entry)

    def _write_raw(self, data: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _fsync(self) -> None:
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def append(
        self,
        kind: EntryKind,
        subject: str,
        artifacts: Sequence[str] = (),
        details: Mapping[str, Any] | None = None,
    ) -> LogEntry:
        """Append one entry; when this returns it is on disk (fsynced)."""
        with self._locked() as fd:
            self._catch_up(repair=True)
            previous = self._entries[-1] if self._entries else None
            entry = LogEntry.build(
                seq=len(self._entries),
                kind=kind,
                subject=subject,
                artifacts=artifacts,
                details=details or {},
                prev=previous.hash if previous else GENESIS,
            )
            line = entry.line + b"\n"
            written = os.write(fd, line)
            if written != len(line):  # a full disk; cut what was written and say so
                os.ftruncate(fd, self._size)
                raise OSError(f"short write to {self.path}: disk full?")
            os.fsync(fd)
            self._size += len(line)
            self._entries.append(entry)
            return entry

    def refresh(self) -> None:
        """Read entries other processes have appended."""
        with self._locked():
            self._catch_up(repair=True)

    @property
    def entries(self) -> Sequence[LogEntry]:
        """All entries, oldest first, as read or appended by this process."""
        return tuple(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def for_subject(self, subject: str) -> list[LogEntry]:
        """The entries about ``subject``, oldest first."""
        return [e for e in self._entries if e.subject == subject]

    def leaf_hashes(self, size: int | None = None) -> list[bytes]:
        """Merkle leaf hashes of the first ``size`` entries."""
        entries = self._entries if size is None else self._entries[:size]
        return [e.leaf_hash for e in entries]

    # -- checkpoints -------------------------------------------------------------------

    def checkpoint(self, key: SigningKey, origin: str) -> Checkpoint:
        """Sign the Merkle root of all entries so far (not saved: see :meth:`save_checkpoint`)."""
        with self._locked():
            self._catch_up(repair=True)
            size = len(self._entries)
            root = merkle.root_hash(self.leaf_hashes(size))
        return Checkpoint(origin, size, root.hex(), utc_now(), key.key_id).signed_by(key)

    def save_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Append a checkpoint to the checkpoints file (fsynced)."""
        line = canonical_json(checkpoint.to_json()) + b"\n"
        existing = self.checkpoints_path.read_bytes() if self.checkpoints_path.exists() else b""
        if existing and not existing.endswith(b"\n"):
            # A torn checkpoint line: it was never returned to anyone, so drop it.
            os.truncate(self.checkpoints_path, existing.rfind(b"\n") + 1)
        fd = os.open(self.checkpoints_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def checkpoints(self) -> list[Checkpoint]:
        """Every complete checkpoint, oldest first."""
        if not self.checkpoints_path.exists():
            return []
        lines, _ = _split_lines(self.checkpoints_path.read_bytes())
        return [Checkpoint.from_json(json.loads(line)) for line in lines if line.strip()]


def proof_json(proof: Sequence[bytes]) -> list[str]:
    """A proof's hashes as base64 strings (the form bundles carry)."""
    return [base64.b64encode(h).decode() for h in proof]


def proof_from_json(items: Sequence[str]) -> list[bytes]:
    """Proof hashes from their base64 strings."""
    return [base64.b64decode(i, validate=True) for i in items]
