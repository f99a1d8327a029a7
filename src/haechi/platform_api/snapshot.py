"""The index of shared banks that the platform API searches: built once, mapped by every worker.

Why a snapshot of its own: the API must answer from shared banks only, minus confirmed false
positives, at thousands of lookups a second; the database is the truth, this is derived from it.
A *generation* is a set of files named after the fingerprint of what it holds (the multi-index
hashing file of :mod:`haechi.index.persist` for PDQ, PDQ-crop and video-frame hashes; ``.npy``
arrays saying which entry, kind and share each row is; sorted MD5 and SHA-256 digests) and a
manifest, ``current.json``, replaced by a rename once every file is on disk. Workers map the
files read-only, so the pages are shared between processes, and a worker keeps answering from
the generation it has mapped while a new one is written: a file replaced or deleted under a map
stays readable until the map is dropped.

One process builds at a time (an exclusive ``flock``); others wait for its manifest.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haechi.hashing.signals import SignalKind
from haechi.hashing.video_format import VideoSignature
from haechi.index import MultiIndexHashing
from haechi.index.base import HASH_BYTES
from haechi.index.persist import FORMAT_VERSION as INDEX_FORMAT
from haechi.platform_api.negatives import NegativeBank, triples
from haechi.platform_api.sharing import active_shares
from haechi.store.database import Database
from haechi.store.models import EntryRow, FeatureRow, SignalRow
from haechi.store.platform_api_models import NegativeSignalRow

FORMAT = 1
MANIFEST = "current.json"
RANGE_KINDS = (SignalKind.PDQ, SignalKind.PDQ_CROP, SignalKind.VPDQ)
"""Kinds in the range index, by their code (position): whole pictures, crops, video frames."""
EXACT_KINDS = {SignalKind.MD5: 16, SignalKind.SHA256: 32}
_ARRAYS: tuple[str, ...] = ("row_entry", "row_kind", "row_share")
_ARRAYS += tuple(f"{k}_{a}" for k in ("md5", "sha256") for a in ("key", "entry", "share"))


def fingerprint(session: Session, min_quality: int) -> str:
    """What a snapshot would hold, in a few numbers computed in SQL; any change changes it.

    The shared banks' live entries (count, largest id and sum of ids, over the covering index
    ``ix_bank_entries_live``: adding, withdrawing, restoring or moving an entry changes them),
    the largest signal and feature ids (a hash added to an entry that was already there; they
    are only deleted when their entry is withdrawn), and the negative bank. It runs every few
    seconds in every worker, so it reads no table whole.
    """
    shares = sorted(active_shares(session).items())
    bank_ids = [b for b, _ in shares]
    live = session.execute(
        select(func.count(EntryRow.id), func.max(EntryRow.id), func.sum(EntryRow.id)).where(
            EntryRow.bank_id.in_(bank_ids), EntryRow.withdrawn_at.is_(None)
        )
    ).one()
    newest = (session.scalar(select(func.max(row.id))) for row in (SignalRow, FeatureRow))
    neg = session.execute(
        select(func.count(NegativeSignalRow.id), func.max(NegativeSignalRow.id))
    ).one()
    # The index's file format too: a generation written by an older haechi is rebuilt.
    parts = [FORMAT, INDEX_FORMAT, min_quality, shares, list(live), list(newest), list(neg)]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:24]


@dataclass
class _Collected:
    shares: list[str] = field(default_factory=list)
    range_hashes: list[bytes] = field(default_factory=list)
    row_entry: list[int] = field(default_factory=list)
    row_kind: list[int] = field(default_factory=list)
    row_share: list[int] = field(default_factory=list)
    exact: dict[SignalKind, list[tuple[bytes, int, int]]] = field(default_factory=dict)
    negatives: list[tuple[int, str, str]] = field(default_factory=list)


def _collect(session: Session, min_quality: int) -> _Collected:
    shares = sorted(active_shares(session).items())
    out = _Collected(shares=[name for _, name in shares])
    share_of = {bank_id: k for k, (bank_id, _) in enumerate(shares)}
    out.exact = {k: [] for k in EXACT_KINDS}
    live = (EntryRow.bank_id.in_(list(share_of)), EntryRow.withdrawn_at.is_(None))
    codes = {k.value: c for c, k in enumerate(RANGE_KINDS)}
    rows = session.execute(
        select(
            SignalRow.entry_id, SignalRow.kind, SignalRow.value, SignalRow.quality, EntryRow.bank_id
        )
        .join(EntryRow, EntryRow.id == SignalRow.entry_id)
        .where(*live)
        .order_by(SignalRow.id)
    )
    for entry_id, kind, value, quality, bank_id in rows:
        share = share_of[bank_id]
        if kind in codes:
            if (quality or 0) < min_quality:
                continue
            out.range_hashes.append(bytes.fromhex(value))
            out.row_entry.append(entry_id)
            out.row_kind.append(codes[kind])
            out.row_share.append(share)
        elif kind in (SignalKind.MD5.value, SignalKind.SHA256.value):
            out.exact[SignalKind(kind)].append((bytes.fromhex(value), entry_id, share))
    videos = session.execute(
        select(FeatureRow.entry_id, FeatureRow.data, EntryRow.bank_id)
        .join(EntryRow, EntryRow.id == FeatureRow.entry_id)
        .where(*live, FeatureRow.kind == SignalKind.VPDQ.value)
        .order_by(FeatureRow.id)
    )
    for entry_id, data, bank_id in videos:
        for frame in VideoSignature.from_bytes(bytes(data)).frames:
            if frame.pdq.quality >= min_quality:
                out.range_hashes.append(frame.pdq.bits)
                out.row_entry.append(entry_id)
                out.row_kind.append(codes[SignalKind.VPDQ.value])
                out.row_share.append(share_of[bank_id])
    out.negatives = triples(session)
    return out


def _save_array(path: Path, arr: npt.NDArray[np.generic]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, arr, allow_pickle=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_manifest(folder: Path, manifest: dict[str, object]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, folder / MANIFEST)


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's build lock (blocking): one builder at a time, across processes."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(folder / ".build.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_manifest(folder: Path) -> dict[str, object] | None:
    """The current manifest, or ``None`` when there is none (or it cannot be read)."""
    try:
        loaded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) and loaded.get("format") == FORMAT else None


def build_snapshot(db: Database, folder: Path, min_quality: int) -> str:
    """Write the generation of what the database holds now, unless it exists; its fingerprint.

    Under the build lock, so that two workers noticing the same change build it once.
    """
    with build_lock(folder):
        with db.session() as session:
            wanted = fingerprint(session, min_quality)
            current = read_manifest(folder)
            if current is not None and current.get("fingerprint") == wanted:
                return wanted
            got = _collect(session, min_quality)
        gen = f"g-{wanted}"
        n = len(got.range_hashes)
        index = MultiIndexHashing()
        if n:
            hashes = np.frombuffer(b"".join(got.range_hashes), dtype=np.uint8).reshape(
                n, HASH_BYTES
            )
            index.add(np.arange(n, dtype=np.int64), hashes)
        index.save(folder / f"{gen}.mih")
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "row_entry": np.asarray(got.row_entry, dtype=np.int64),
            "row_kind": np.asarray(got.row_kind, dtype=np.uint8),
            "row_share": np.asarray(got.row_share, dtype=np.uint16),
        }
        for kind, size in EXACT_KINDS.items():
            items = sorted(got.exact[kind])
            arrays[f"{kind.value}_key"] = np.asarray([k for k, _, _ in items], dtype=f"S{size}")
            arrays[f"{kind.value}_entry"] = np.asarray([e for _, e, _ in items], dtype=np.int64)
            arrays[f"{kind.value}_share"] = np.asarray([s for _, _, s in items], dtype=np.uint16)
        for name in _ARRAYS:
            _save_array(folder / f"{gen}.{name}.npy", arrays[name])
        _write_manifest(
            folder,
            {
                "format": FORMAT,
                "fingerprint": wanted,
                "generation": gen,
                "shares": got.shares,
                "negatives": got.negatives,
                "counts": {"range": n, **{k.value: len(v) for k, v in got.exact.items()}},
            },
        )
        for old in folder.glob("g-*"):
            if not old.name.startswith(gen + "."):
                old.unlink(missing_ok=True)  # mapped elsewhere: readable until unmapped
        return wanted


@dataclass(frozen=True)
class Snapshot:
    """One generation, mapped read-only; searched by :mod:`haechi.platform_api.lookup`."""

    fingerprint: str
    index: MultiIndexHashing
    row_entry: npt.NDArray[np.int64]
    row_kind: npt.NDArray[np.uint8]
    row_share: npt.NDArray[np.uint16]
    exact: dict[
        SignalKind, tuple[npt.NDArray[np.bytes_], npt.NDArray[np.int64], npt.NDArray[np.uint16]]
    ]
    shares: tuple[str, ...]
    negatives: NegativeBank
    """Confirmed false positives, which no lookup returns (:mod:`.negatives`)."""

    @property
    def size(self) -> int:
        """Hashes held: range rows and exact digests."""
        return int(self.row_entry.shape[0]) + sum(
            int(k.shape[0]) for k, _, _ in self.exact.values()
        )


def load_snapshot(folder: Path) -> Snapshot | None:
    """Map the generation the manifest names; ``None`` if there is none or it vanished."""
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    gen = str(manifest["generation"])
    try:
        index = MultiIndexHashing.load(folder / f"{gen}.mih", mmap=True)
        arrays = {
            name: np.load(folder / f"{gen}.{name}.npy", mmap_mode="r", allow_pickle=False)
            for name in _ARRAYS
        }
    except (OSError, ValueError):
        return None  # replaced while we read: the next refresh finds the new one
    raw_negatives = manifest.get("negatives")
    negatives = NegativeBank.of(
        (int(e), str(k), str(v))
        for e, k, v in (raw_negatives if isinstance(raw_negatives, list) else [])
    )
    shares = manifest.get("shares")
    return Snapshot(
        fingerprint=str(manifest["fingerprint"]),
        index=index,
        row_entry=arrays["row_entry"],
        row_kind=arrays["row_kind"],
        row_share=arrays["row_share"],
        exact={
            kind: (
                arrays[f"{kind.value}_key"],
                arrays[f"{kind.value}_entry"],
                arrays[f"{kind.value}_share"],
            )
            for kind in EXACT_KINDS
        },
        shares=tuple(str(s) for s in shares) if isinstance(shares, list) else (),
        negatives=negatives,
    )
