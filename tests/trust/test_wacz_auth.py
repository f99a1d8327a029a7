"""The wacz-auth 0.1.0 anonymous signature of bundles, as webrecorder's tools read it."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from typer.testing import CliRunner

from haechi.cli import app
from haechi.evidence.signing import generate_key
from haechi.evidence.wacz_auth import anonymous_key, check_signed_data, signed_data
from haechi.settings import Settings
from tests.trust.bundles import make_bundle, with_wacz_auth_changed

PACKAGE = "sha256:" + hashlib.sha256(b'{"profile": "data-package"}').hexdigest()
CREATED = "2026-11-01T09:00:00Z"


def test_the_signature_is_what_webrecorders_verifier_checks(tmp_path: Path) -> None:
    key = generate_key(tmp_path / "evidence.pem")
    data = signed_data(PACKAGE, CREATED, "haechi test", anonymous_key(key))
    assert anonymous_key(key).private_numbers() == anonymous_key(key).private_numbers()
    # Their check, done by hand: DER SPKI public key, raw r||s signature over the hash text.
    public = serialization.load_der_public_key(base64.b64decode(data["publicKey"]))
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1"
    raw = base64.b64decode(data["signature"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, PACKAGE.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    assert check_signed_data(data, PACKAGE, CREATED)[0]


def test_changes_and_other_keys_fail(tmp_path: Path) -> None:
    key = generate_key(tmp_path / "evidence.pem")
    other = generate_key(tmp_path / "other.pem")
    data = signed_data(PACKAGE, CREATED, "haechi test", anonymous_key(key))
    assert not check_signed_data(data, "sha256:" + "00" * 32, CREATED)[0]
    assert not check_signed_data(data, PACKAGE, "2026-11-02T00:00:00Z")[0]
    swapped = {
        **data,
        "publicKey": signed_data(PACKAGE, CREATED, "", anonymous_key(other))["publicKey"],
    }
    ok, detail = check_signed_data(swapped, PACKAGE, CREATED)
    assert not ok and "does not match" in detail


def test_haechi_verify_checks_both_signatures_of_a_real_bundle(
    settings: Settings, tmp_path: Path
) -> None:
    bundle = make_bundle(settings, tmp_path / "evidence.wacz")
    with zipfile.ZipFile(bundle) as archive:
        digest = json.loads(archive.read("datapackage-digest.json"))
        package = archive.read("datapackage.json")
    assert digest["signedData"]["hash"] == "sha256:" + hashlib.sha256(package).hexdigest()
    env = {"HAECHI_HOME": str(settings.home)}
    runner = CliRunner()
    good = runner.invoke(app, ["verify", str(bundle)], env=env)
    assert good.exit_code == 0, good.output
    assert "wacz:auth" in good.stdout and "checkpoint:signature" in good.stdout
    changed = with_wacz_auth_changed(bundle, tmp_path / "changed.wacz")
    bad = runner.invoke(app, ["verify", str(changed)], env=env)
    assert bad.exit_code == 1, bad.output
    # Only the wacz-auth signature was touched, and it alone fails, by name.
    assert "FAIL: 1 failed" in bad.stdout and "problems: bad-wacz-auth" in bad.stdout, bad.stdout
