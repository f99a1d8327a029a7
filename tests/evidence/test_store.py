"""The content-addressed store: named by SHA-256, stored once, checked on every read.

:class:`EvidenceStoreContract` is what every :class:`EvidenceStore` must do; an implementation's
tests subclass it and provide ``store`` and ``damage``. :class:`TestFolderStore` adds what is
particular to files in folders.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from haechi.evidence.errors import ArtifactCorrupted, ArtifactMissing, EvidenceError
from haechi.evidence.store import EvidenceStore, FolderStore


class EvidenceStoreContract:
    """The contract of :class:`EvidenceStore`; subclasses provide the two fixtures."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> EvidenceStore:
        raise NotImplementedError

    def damage(self, store: EvidenceStore, digest: str) -> None:
        """Change one stored byte behind the store's back."""
        raise NotImplementedError

    def test_put_returns_the_sha256_and_get_gives_the_bytes(self, store: EvidenceStore) -> None:
        digest = store.put(b"evidence bytes")
        assert digest == hashlib.sha256(b"evidence bytes").hexdigest()
        assert store.get(digest) == b"evidence bytes"
        assert digest in store

    def test_put_is_idempotent(self, store: EvidenceStore) -> None:
        assert store.put(b"twice") == store.put(b"twice")
        assert store.get(hashlib.sha256(b"twice").hexdigest()) == b"twice"

    def test_get_refuses_damaged_bytes(self, store: EvidenceStore) -> None:
        digest = store.put(b"will be damaged")
        self.damage(store, digest)
        with pytest.raises(ArtifactCorrupted):
            store.get(digest)

    def test_delete_then_get_says_missing(self, store: EvidenceStore) -> None:
        digest = store.put(b"short-lived")
        assert store.delete(digest) is True
        assert store.delete(digest) is False
        assert digest not in store
        with pytest.raises(ArtifactMissing):
            store.get(digest)

    def test_empty_bytes_are_storable(self, store: EvidenceStore) -> None:
        assert store.get(store.put(b"")) == b""


class TestFolderStore(EvidenceStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> EvidenceStore:
        return FolderStore(tmp_path / "objects")

    def damage(self, store: EvidenceStore, digest: str) -> None:
        assert isinstance(store, FolderStore)
        path = store.path(digest)
        data = bytearray(path.read_bytes())
        data[0] ^= 0x01
        path.write_bytes(bytes(data))


def test_put_names_by_sha256_in_a_two_level_layout(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "objects")
    digest = store.put(b"evidence")
    assert digest == hashlib.sha256(b"evidence").hexdigest()
    assert (tmp_path / "objects" / digest[:2] / digest[2:]).read_bytes() == b"evidence"
    assert store.get(digest) == b"evidence"
    assert digest in store


def test_same_bytes_are_stored_once(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    first = store.put(b"same")
    path = store.path(first)
    mtime = path.stat().st_mtime_ns
    assert store.put(b"same") == first
    assert path.stat().st_mtime_ns == mtime
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_reading_checks_the_hash(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    digest = store.put(b"original bytes")
    path = store.path(digest)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactCorrupted, match=digest):
        store.get(digest)


def test_missing_and_deleted_objects_say_so(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    digest = store.put(b"to go")
    assert store.delete(digest)
    assert not store.delete(digest)
    assert digest not in store
    with pytest.raises(ArtifactMissing):
        store.get(digest)


def test_names_must_be_sha256_hex(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    with pytest.raises(EvidenceError):
        store.get("../../etc/passwd")
    assert "../x" not in store


def test_a_damaged_same_name_file_is_replaced_whole(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    digest = store.put(b"full content")
    store.path(digest).write_bytes(b"full")  # a truncated file under the right name
    assert store.put(b"full content") == digest
    assert store.get(digest) == b"full content"
    assert store.orphans() == []
