"""The organisation's key: 0600 key files, encrypted at rest, no leaks, unforgeable checkpoints."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest

from haechi.evidence.errors import SigningKeyError
from haechi.evidence.keys import encrypt_key, key_warnings, privacy_warnings
from haechi.evidence.signing import Checkpoint, generate_key, is_encrypted, load_key
from haechi.scan.preserve import ensure_key, evidence_config
from haechi.settings import Settings


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


def test_a_key_encrypted_with_a_passphrase_needs_it(tmp_path: Path) -> None:
    path = tmp_path / "org.pem"
    key = generate_key(path, "correct horse")
    assert is_encrypted(path) and b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(SigningKeyError, match="HAECHI_KEY_PASSPHRASE"):
        load_key(path)
    with pytest.raises(SigningKeyError, match="does not open"):
        load_key(path, "wrong horse")
    assert load_key(path, "correct horse").key_id == key.key_id


def test_an_old_unencrypted_key_keeps_working_and_can_be_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "org.pem"
    key = generate_key(path)
    assert load_key(path, "a passphrase set later").key_id == key.key_id
    encrypt_key(path, "a passphrase set later")
    assert is_encrypted(path) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(path, "a passphrase set later").key_id == key.key_id
    encrypt_key(path, "another", old_passphrase="a passphrase set later")
    assert load_key(path, "another").key_id == key.key_id
    with pytest.raises(SigningKeyError):
        encrypt_key(path, "")
    assert list(tmp_path.glob(".*tmp")) == []


def test_warnings_say_when_the_key_is_unprotected(tmp_path: Path) -> None:
    home = tmp_path / "home"
    inside = home / "evidence" / "signing-key.pem"
    generate_key(inside)
    (warning,) = key_warnings(inside, home, None)
    assert "unencrypted inside HAECHI_HOME" in warning and "encrypt-key" in warning
    outside = tmp_path / "elsewhere" / "org.pem"
    generate_key(outside)
    assert key_warnings(outside, home, None) == []
    assert "not encrypted" in key_warnings(outside, home, "set")[0]
    encrypt_key(inside, "pass")
    assert key_warnings(inside, home, "pass") == []
    assert "HAECHI_KEY_PASSPHRASE is not set" in key_warnings(inside, home, None)[0]
    assert key_warnings(home / "absent.pem", home, None) == []


def test_the_passphrase_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAECHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HAECHI_KEY_PASSPHRASE", "from the environment")
    settings = Settings()
    assert "from the environment" not in repr(settings)
    config = evidence_config(settings)
    assert ensure_key(config) is not None
    assert is_encrypted(config.resolved_key_file)
    assert config.key() is not None
    assert "from the environment" not in repr(config)


def test_start_up_warnings_cover_the_home_and_the_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    key_file = home / "evidence" / "signing-key.pem"
    generate_key(key_file)
    warnings = privacy_warnings(home, key_file, None)
    assert len(warnings) == 2
    assert "chmod 700" in warnings[0] and "unencrypted inside HAECHI_HOME" in warnings[1]
    home.chmod(0o700)
    encrypt_key(key_file, "pass")
    assert privacy_warnings(home, key_file, "pass") == []
