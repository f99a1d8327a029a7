"""Rotating the signing key: the new key signs from now on, and what the old one signed verifies."""

from __future__ import annotations

from pathlib import Path

from haechi.evidence.bundle import export_bundle
from haechi.evidence.commands import EvidenceConfig
from haechi.evidence.keys import retired_key_ids, rotate_key
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.signing import SigningKey, load_key
from haechi.evidence.verify import verify_bundle
from tests.evidence.conftest import capture_now
from tests.evidence.site import Site


def test_rotation_keeps_old_bundles_verifying_and_signs_with_the_new_key(
    locker: EvidenceLocker, key: SigningKey, site: Site, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys" / "org.pem"
    config = EvidenceConfig(home=tmp_path / "home", key_file=key_file, key_passphrase="new pass")
    before = capture_now(locker, site.url("/"))
    old_bundle = export_bundle(locker, [before.id], tmp_path / "before.wacz")

    rotation = rotate_key(
        key_file, config.evidence_dir, "new pass", old_passphrase=None, locker=locker
    )
    assert rotation.old_key_id == key.key_id != rotation.new_key_id
    assert load_key(key_file, "new pass").key_id == rotation.new_key_id  # old private key gone
    assert retired_key_ids(config.evidence_dir) == (key.key_id,)
    assert b"PRIVATE" not in rotation.retired_public_key.read_bytes()
    signers = [c.key_id for c in locker.log.checkpoints()[-2:]]
    assert signers == [key.key_id, rotation.new_key_id]

    trusted = config.own_key_ids()
    assert set(trusted) == {key.key_id, rotation.new_key_id}
    assert verify_bundle(old_bundle.path, trusted).passed
    after = capture_now(locker, site.url("/chunked"))
    new_bundle = export_bundle(locker, [before.id, after.id], tmp_path / "after.wacz")
    assert new_bundle.checkpoint.key_id == rotation.new_key_id
    report = verify_bundle(new_bundle.path, trusted)
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert not verify_bundle(new_bundle.path, [key.key_id]).passed
