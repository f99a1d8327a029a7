"""Backups restore to the same home; damage, a wrong key or a busy target are refused."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from haechi.evidence.verify import verify_bundle
from haechi.ops.backup import make_backup
from haechi.ops.errors import BackupDamaged, OpsError, RestoreRefused, WrongKey
from haechi.ops.keys import KeyPair, generate_identity
from haechi.ops.restore import restore_backup, verify_backup
from haechi.scan.evidence_export import export_evidence
from haechi.scan.preserve import evidence_config
from haechi.settings import Settings
from haechi.store.database import open_database
from tests.ops.conftest import PASSPHRASE, add_scan, dump, make_home, tree


def _restored_settings(home: Path) -> Settings:
    return Settings(
        home=home,
        database_url=f"sqlite:///{home / 'haechi.db'}",
        workers=1,
        key_passphrase=PASSPHRASE,
    )


def test_a_restore_gives_the_same_home_and_bundles_that_verify(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    result = make_backup(home, tmp_path / "b.age")
    assert result.kind == "full" and result.signing_key_included
    assert result.objects_added == result.objects_total > 0
    assert result.checkpoint_size == result.log_entries > 0

    report = verify_backup([result.path], [keys.identity_file])
    assert report.passed, report.failures()
    assert report.counts["hits"] == 2 and report.counts["hit_captures"] == 2
    assert {c.name for c in report.checks} >= {"files", "objects", "database", "log:chain"}

    target = tmp_path / "restored"
    restore_backup([result.path], [keys.identity_file], target)
    assert dump(target / "haechi.db") == dump(home.home / "haechi.db")
    original, restored = tree(home.home / "evidence"), tree(target / "evidence")
    assert restored == {k: v for k, v in original.items() if k in restored}
    assert set(original) - set(restored) == set()  # key, log, checkpoints and every object
    assert (target.stat().st_mode & 0o777) == 0o700

    settings = _restored_settings(target)
    db = open_database(settings)
    try:
        bundle = tmp_path / "after-restore.wacz"
        outcome = export_evidence(db, evidence_config(settings), ["1", "2"], bundle)
        assert not outcome.missing
    finally:
        db.close()
    assert verify_bundle(bundle, evidence_config(settings).own_key_ids()).passed


def test_an_incremental_backup_adds_only_new_objects_and_restores_with_its_base(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    full = make_backup(home, tmp_path / "full.age")
    assert add_scan(home, tmp_path / "export-2", [1, 2], chat_id=1888) == 2
    inc = make_backup(home, tmp_path / "inc.age", incremental=True)
    assert inc.kind == "incremental" and inc.base_id == full.backup_id
    assert 0 < inc.objects_added < inc.objects_total
    assert inc.objects_total == full.objects_total + inc.objects_added

    with pytest.raises(RestoreRefused, match=full.backup_id):
        restore_backup([inc.path], [keys.identity_file], tmp_path / "alone")
    assert not (tmp_path / "alone").exists()

    report = verify_backup([full.path, inc.path], [keys.identity_file])
    assert report.passed and report.needs == (full.backup_id,)
    target = tmp_path / "restored"
    restore_backup([inc.path, full.path], [keys.identity_file], target)
    assert dump(target / "haechi.db") == dump(home.home / "haechi.db")
    assert tree(target / "evidence/objects") == tree(home.home / "evidence/objects")


def _member_offset(path: Path, identity: Path, wanted: str) -> tuple[int, int]:
    """Where member ``wanted`` lies in the decrypted tar: (offset of its data, size)."""
    import io

    import pyrage  # type: ignore[import-untyped]

    from haechi.ops.keys import load_identities

    plain = io.BytesIO()
    with path.open("rb") as handle:
        pyrage.decrypt_io(handle, plain, load_identities([identity]))
    plain.seek(0)
    with tarfile.open(fileobj=plain) as tar:
        info = tar.getmember(wanted)
        return info.offset_data, info.size


def test_one_flipped_byte_is_refused_and_the_damaged_file_named(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    result = make_backup(home, tmp_path / "b.age")
    # The largest member spans whole 64 KiB age chunks; flip a byte in the middle of one.
    target = "database/haechi.db"
    offset, size = _member_offset(result.path, keys.identity_file, target)
    assert size > 3 * 65536
    chunk = (offset + size // 2) // 65536
    data = bytearray(result.path.read_bytes())
    header = data.index(b"\n---") + 1
    header = data.index(b"\n", header) + 1  # the header ends with its MAC line
    data[header + 16 + chunk * (65536 + 16) + 1000] ^= 0x01  # 16: the payload nonce
    result.path.write_bytes(bytes(data))

    with pytest.raises(BackupDamaged, match=f"in {target}"):
        verify_backup([result.path], [keys.identity_file])
    with pytest.raises(BackupDamaged, match=f"in {target}"):
        restore_backup([result.path], [keys.identity_file], tmp_path / "restored")
    assert not (tmp_path / "restored").exists()
    assert not list(tmp_path.glob(".restored.restoring-*"))


def test_a_changed_file_under_a_valid_encryption_is_refused_by_name(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    """Anyone with the public key can encrypt: the digests inside are checked too."""
    import io

    import pyrage

    from haechi.ops.keys import load_identities, parse_recipients

    result = make_backup(home, tmp_path / "b.age")
    plain = io.BytesIO()
    with result.path.open("rb") as handle:
        pyrage.decrypt_io(handle, plain, load_identities([keys.identity_file]))
    data = bytearray(plain.getvalue())
    plain.seek(0)
    with tarfile.open(fileobj=plain) as tar:
        [log] = [m for m in tar.getmembers() if m.name == "evidence/log.jsonl"]
        [obj] = [m for m in tar.getmembers() if m.name.startswith("evidence/objects/")][:1]
    for member in (log, obj):
        changed = bytearray(data)
        changed[member.offset_data + member.size // 2] ^= 0x01
        forged = tmp_path / "forged.age"
        with forged.open("wb") as out:
            pyrage.encrypt_io(io.BytesIO(bytes(changed)), out, parse_recipients([keys.recipient]))
        with pytest.raises(BackupDamaged, match=member.name):
            verify_backup([forged], [keys.identity_file])
        with pytest.raises(BackupDamaged, match=member.name):
            restore_backup([forged], [keys.identity_file], tmp_path / "restored")
        assert not (tmp_path / "restored").exists()


def test_a_wrong_key_is_refused(tmp_path: Path, home: Settings, keys: KeyPair) -> None:
    result = make_backup(home, tmp_path / "b.age")
    stranger = generate_identity(tmp_path / "stranger.txt")
    with pytest.raises(WrongKey, match="not encrypted for the identity"):
        verify_backup([result.path], [stranger.identity_file])
    with pytest.raises(WrongKey):
        restore_backup([result.path], [stranger.identity_file], tmp_path / "restored")
    assert not (tmp_path / "restored").exists()


def test_a_backup_for_two_recipients_opens_with_either(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    with pytest.raises(OpsError, match="exists already"):
        make_backup(home, keys.identity_file)
    second = generate_identity(tmp_path / "second.txt")
    result = make_backup(home, tmp_path / "b.age", [keys.recipient, second.recipient])
    assert verify_backup([result.path], [second.identity_file]).passed
    assert verify_backup([result.path], [keys.identity_file]).passed


def test_restore_refuses_a_target_that_is_not_empty(
    tmp_path: Path, home: Settings, keys: KeyPair
) -> None:
    result = make_backup(home, tmp_path / "b.age")
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(RestoreRefused, match="not empty"):
        restore_backup([result.path], [keys.identity_file], target)
    assert tree(target) == {"keep.txt": b"mine"}
    empty = tmp_path / "empty"
    empty.mkdir()
    restore_backup([result.path], [keys.identity_file], empty)
    assert (empty / "haechi.db").is_file()


def test_no_plaintext_secret_is_in_a_backup(tmp_path: Path, keys: KeyPair) -> None:
    plain = make_home(tmp_path / "plain", [3], passphrase=None)
    pair = generate_identity(tmp_path / "plain-id.txt")
    result = make_backup(plain, tmp_path / "plain.age", [pair.recipient])
    assert not result.signing_key_included
    assert any("not encrypted" in note for note in result.notes)
    assert any("data key" in note and "not in the backup" in note for note in result.notes)
    import io

    import pyrage

    from haechi.ops.keys import load_identities

    decrypted = io.BytesIO()
    with result.path.open("rb") as handle:
        pyrage.decrypt_io(handle, decrypted, load_identities([pair.identity_file]))
    body = decrypted.getvalue()
    assert b"PRIVATE KEY" not in body and b"AGE-SECRET-KEY" not in body
    assert b"AGE-SECRET-KEY" not in result.path.read_bytes()
    encrypted_key_home = make_home(tmp_path / "enc", [4])
    enc = make_backup(encrypted_key_home, tmp_path / "enc.age", [pair.recipient])
    decrypted = io.BytesIO()
    with enc.path.open("rb") as handle:
        pyrage.decrypt_io(handle, decrypted, load_identities([pair.identity_file]))
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in decrypted.getvalue()
    assert PASSPHRASE.encode() not in decrypted.getvalue()
    assert b"BEGIN PRIVATE KEY" not in decrypted.getvalue()
