"""The organisation's key: 0600 key files, no leaks, checkpoints that a forger cannot make."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest

from haechi.evidence.errors import SigningKeyError
from haechi.evidence.signing import Checkpoint, generate_key, load_key


def test_generated_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "org.pem"
    key = generate_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(path).key_id == key.key_id
    with pytest.raises(SigningKeyError, match="never overwritten"):
        generate_key(path)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "org.pem"
    generate_key(path)
    path.chmod(0o644)
    with pytest.raises(SigningKeyError, match="chmod 600"):
        load_key(path)


def test_missing_and_garbage_key_files_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="generate_key"):
        load_key(tmp_path / "absent.pem")
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"not a key")
    bad.chmod(0o600)
    with pytest.raises(SigningKeyError, match="not a PEM private key"):
        load_key(bad)


def test_the_key_never_shows_itself(tmp_path: Path) -> None:
    path = tmp_path / "org.pem"
    key = generate_key(path)
    secret = path.read_text()
    assert secret not in repr(key) and "PRIVATE" not in repr(key)
    assert key.key_id[:16] in repr(key)


def test_checkpoints_verify_and_forgeries_do_not(tmp_path: Path) -> None:
    key = generate_key(tmp_path / "org.pem")
    other = generate_key(tmp_path / "other.pem")
    checkpoint = Checkpoint("example.org", 7, "ab" * 32, "2026-01-01T00:00:00Z", "").signed_by(key)
    assert checkpoint.verify(key.public)
    assert Checkpoint.from_json(checkpoint.to_json()) == checkpoint
    assert not replace(checkpoint, tree_size=8).verify(key.public)
    assert not replace(checkpoint, root_hash="cd" * 32).verify(key.public)
    forged = replace(checkpoint.signed_by(other), key_id=key.key_id)
    assert not forged.verify(key.public)
    assert not checkpoint.verify(other.public)
    assert checkpoint.signed_bytes().startswith(b"haechi-checkpoint/v1\nexample.org\n7\n")
