"""Bundles: standard WACZ that standard tools accept, and verification that names each forgery."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from haechi.evidence.bundle import export_bundle
from haechi.evidence.errors import SigningKeyError, UnknownCapture
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.log import EntryKind
from haechi.evidence.model import Capture
from haechi.evidence.signing import SigningKey, generate_key
from haechi.evidence.verify import CheckStatus, VerificationReport, verify_bundle
from haechi.scan.model import Hit
from haechi.scan.preserve import hit_context
from haechi.store.hit_evidence import CaptureKind
from tests.evidence.conftest import capture_now
from tests.evidence.site import Site


@pytest.fixture
def captures(locker: EvidenceLocker, site: Site) -> list[Capture]:
    """Three sealed captures: a redirected page with media, a chunked page, a plain page."""
    return [
        capture_now(locker, site.url("/post/1"), site.url("/media/photo.jpg"), {"hit_id": 1}),
        capture_now(locker, site.url("/chunked"), None, {"hit_id": 2}),
        capture_now(locker, site.url("/"), None, {"hit_id": 3}),
    ]


@pytest.fixture
def bundle(locker: EvidenceLocker, captures: list[Capture], tmp_path: Path) -> Path:
    out = tmp_path / "out" / "evidence.wacz"
    export_bundle(locker, [captures[0].id, captures[1].id], out)
    return out


def rewrite(source: Path, target: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    """Copy a bundle with one member changed (the datapackage left as it was)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, change(data) if info.filename == name else data)
    return target


def flip(offset: int) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        out = bytearray(data)
        out[offset % len(out)] ^= 0x01
        return bytes(out)

    return change


def failed(report: VerificationReport) -> set[str]:
    return {c.name for c in report.failures}


def test_an_export_verifies_and_names_what_it_checked(
    bundle: Path, captures: list[Capture], key: SigningKey
) -> None:
    report = verify_bundle(bundle, [key.key_id])
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.captures == {captures[0].id: "live", captures[1].id: "live"}
    for expected in (
        "wacz:datapackage-digest",
        "wacz:auth",  # webrecorder's wacz-auth 0.1.0 anonymous signature
        "wacz:file:archive/data.warc.gz",
        "wacz:index",
        "wacz:pages",
        "log:entry-hashes",
        "log:chain",
        "log:complete",
        "log:inclusion",
        "checkpoint:signature",
        f"capture:{captures[0].id}:warc",
        f"capture:{captures[0].id}:warc-records",
        f"capture:{captures[0].id}:manifest",
    ):
        assert report.check(expected).status is CheckStatus.VERIFIED
    assert report.check("checkpoint:trusted-key").status is CheckStatus.VERIFIED
    assert report.key_id == key.key_id
    # Without a published key to compare with, the bundle is consistent but does not pass.
    untrusted = verify_bundle(bundle)
    assert untrusted.check("checkpoint:trusted-key").status is CheckStatus.NOT_CHECKED
    assert not untrusted.passed and not untrusted.failures
    assert not verify_bundle(bundle, ["00" * 32]).passed


def test_the_bundle_carries_nothing_about_other_captures(
    bundle: Path, captures: list[Capture]
) -> None:
    with zipfile.ZipFile(bundle) as archive:
        entries = [
            json.loads(line) for line in archive.read("haechi/log-entries.jsonl").splitlines()
        ]
        manifests = archive.read("haechi/manifests.jsonl")
        warc = archive.read("archive/data.warc.gz")
    subjects = {e["subject"] for e in entries}
    assert captures[2].id not in subjects
    assert captures[2].id.encode() not in manifests + warc
    assert entries[-1]["kind"] == "exported" and entries[-1]["subject"].startswith("exp-")


def test_standard_tools_accept_the_bundle(bundle: Path, tmp_path: Path) -> None:
    wacz = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(bundle)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wacz.returncode == 0, wacz.stdout + wacz.stderr
    assert "Validation succeeded" in wacz.stdout
    with zipfile.ZipFile(bundle) as archive:
        (tmp_path / "data.warc.gz").write_bytes(archive.read("archive/data.warc.gz"))
        index = archive.read("indexes/index.cdx").decode().splitlines()
        pages = archive.read("pages/pages.jsonl").decode().splitlines()
        assert archive.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(tmp_path / "data.warc.gz")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "digest failed" not in check.stdout
    assert index == sorted(index) and all(" {" in line for line in index)
    assert json.loads(pages[0])["format"] == "json-pages-1.0" and len(pages) == 3


def test_a_flipped_byte_in_the_warc_is_named(
    bundle: Path, captures: list[Capture], tmp_path: Path
) -> None:
    with zipfile.ZipFile(bundle) as archive:
        size = len(archive.read("archive/data.warc.gz"))
    bad = rewrite(bundle, tmp_path / "bad.wacz", "archive/data.warc.gz", flip(size - 100))
    report = verify_bundle(bad)
    assert not report.passed
    assert "wacz:file:archive/data.warc.gz" in failed(report)
    assert f"capture:{captures[1].id}:warc" in failed(report)
    assert f"capture:{captures[0].id}:warc" not in failed(report)


@pytest.mark.parametrize(
    "member",
    [
        "haechi/manifests.jsonl",
        "haechi/log-entries.jsonl",
        "haechi/checkpoint.json",
        "haechi/public-key.pem",
        "haechi/proofs.json",
        "haechi/bundle.json",
        "indexes/index.cdx",
        "pages/pages.jsonl",
        "datapackage.json",
    ],
)
def test_a_flipped_byte_anywhere_fails(bundle: Path, tmp_path: Path, member: str) -> None:
    bad = rewrite(bundle, tmp_path / "bad.wacz", member, flip(40))
    report = verify_bundle(bad)
    assert not report.passed
    assert failed(report)


def _entries_edit(change: Callable[[list[bytes]], list[bytes]]) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        return b"".join(line + b"\n" for line in change(data.splitlines()))

    return edit


def test_a_removed_log_entry_is_named(bundle: Path, tmp_path: Path) -> None:
    bad = rewrite(
        bundle,
        tmp_path / "bad.wacz",
        "haechi/log-entries.jsonl",
        _entries_edit(lambda lines: lines[:1] + lines[2:]),
    )
    report = verify_bundle(bad)
    assert "log:complete" in failed(report)
    assert "entries missing" in report.check("log:complete").detail


def test_reordered_log_entries_are_named(bundle: Path, tmp_path: Path) -> None:
    bad = rewrite(
        bundle,
        tmp_path / "bad.wacz",
        "haechi/log-entries.jsonl",
        _entries_edit(lambda lines: [lines[1], lines[0], *lines[2:]]),
    )
    report = verify_bundle(bad)
    assert {"log:complete", "log:chain"} <= failed(report)


def test_a_forged_signature_is_named(bundle: Path, tmp_path: Path) -> None:
    def forge(data: bytes) -> bytes:
        checkpoint = json.loads(data)
        signature = bytearray(base64.b64decode(checkpoint["signature"]))
        signature[0] ^= 0x01
        checkpoint["signature"] = base64.b64encode(bytes(signature)).decode()
        return json.dumps(checkpoint).encode()

    report = verify_bundle(rewrite(bundle, tmp_path / "bad.wacz", "haechi/checkpoint.json", forge))
    assert "checkpoint:signature" in failed(report)


def test_a_forger_with_another_key_is_caught_by_the_published_key(
    locker: EvidenceLocker, captures: list[Capture], tmp_path: Path
) -> None:
    genuine = locker.key
    assert genuine is not None
    locker.key = generate_key(tmp_path / "forger.pem")
    forged = export_bundle(locker, [captures[0].id], tmp_path / "forged.wacz")
    report = verify_bundle(forged.path, [genuine.key_id])
    assert failed(report) == {"checkpoint:trusted-key"}


def test_destroyed_captures_are_reported_and_the_rest_verifies(
    locker: EvidenceLocker, captures: list[Capture], tmp_path: Path
) -> None:
    gone = captures[0]
    locker.destroy(gone.id, "retention period ended")
    assert gone.warc_sha256 not in locker.store
    assert gone.manifest_sha256 in locker.store
    assert locker.get(gone.id).destroyed
    assert locker.log.for_subject(gone.id)[-1].kind is EntryKind.DESTROYED
    summary = export_bundle(locker, [c.id for c in captures], tmp_path / "after.wacz")
    assert summary.destroyed == (gone.id,)
    report = verify_bundle(summary.path, [summary.checkpoint.key_id])
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.captures[gone.id] == "destroyed"
    assert report.check(f"capture:{gone.id}:destroyed").status is CheckStatus.VERIFIED
    assert report.check(f"capture:{gone.id}:warc").status is CheckStatus.NOT_CHECKED
    assert locker.destroy(gone.id, "again").kind is EntryKind.DESTROYED  # idempotent


def test_viewing_and_notices_are_logged(locker: EvidenceLocker, captures: list[Capture]) -> None:
    content = locker.open(captures[0].id, viewer="officer-kim")
    assert content.warc is not None and content.manifest["id"] == captures[0].id
    locker.record(captures[0].id, EntryKind.NOTICE_SENT, {"to": "platform"})
    kinds = [e.kind for e in locker.log.for_subject(captures[0].id)]
    assert kinds == [EntryKind.CAPTURED, EntryKind.VIEWED, EntryKind.NOTICE_SENT]


def test_export_refuses_unknown_ids_and_a_missing_key(
    locker: EvidenceLocker, captures: list[Capture], tmp_path: Path
) -> None:
    with pytest.raises(UnknownCapture):
        export_bundle(locker, ["cap-nope"], tmp_path / "x.wacz")
    locker.key = None
    with pytest.raises(SigningKeyError):
        export_bundle(locker, [captures[0].id], tmp_path / "x.wacz")
    assert not (tmp_path / "x.wacz").exists()


def test_checkpoints_are_made_periodically_and_stay_consistent(
    locker: EvidenceLocker, captures: list[Capture]
) -> None:
    from haechi.evidence import merkle

    for _ in range(6):
        locker.record(captures[0].id, EntryKind.VIEWED, {"viewer": "x"})
    saved = locker.log.checkpoints()
    assert [c.tree_size for c in saved] == [4, 8]
    leaves = locker.log.leaf_hashes()
    for checkpoint in saved:
        assert locker.key is not None and checkpoint.verify(locker.key.public)
        assert merkle.root_hash(leaves, checkpoint.tree_size).hex() == checkpoint.root_hash
    old, new = saved
    proof = merkle.consistency_proof(old.tree_size, leaves, new.tree_size)
    assert merkle.verify_consistency(
        old.tree_size,
        new.tree_size,
        bytes.fromhex(old.root_hash),
        bytes.fromhex(new.root_hash),
        proof,
    )


def test_a_file_that_is_not_a_bundle_fails_cleanly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wacz"
    junk.write_bytes(b"not a zip")
    report = verify_bundle(junk)
    assert not report.passed and failed(report) == {"bundle:zip"}


def _repackage(source: Path, target: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    """A careful forger: change one member and rewrite datapackage.json and its digest to fit."""
    import hashlib

    with zipfile.ZipFile(source) as old:
        files = {info.filename: old.read(info) for info in old.infolist()}
    files[name] = change(files[name])
    package = json.loads(files["datapackage.json"])
    for resource in package["resources"]:
        data = files[resource["path"]]
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        resource["bytes"] = len(data)
    files["datapackage.json"] = json.dumps(package).encode()
    digest = "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()
    files["datapackage-digest.json"] = json.dumps(
        {"path": "datapackage.json", "hash": digest}
    ).encode()
    with zipfile.ZipFile(target, "w") as new:
        for path, data in files.items():
            new.writestr(path, data)
    return target


@pytest.mark.parametrize(
    ("member", "check"),
    [
        ("indexes/index.cdx", "wacz:index"),
        ("pages/pages.jsonl", "wacz:pages"),
        ("haechi/manifests.jsonl", "manifest"),
        ("archive/data.warc.gz", "warc"),
    ],
)
def test_a_forger_who_fixes_the_datapackage_is_still_caught(
    bundle: Path, tmp_path: Path, key: SigningKey, member: str, check: str
) -> None:
    bad = _repackage(bundle, tmp_path / "bad.wacz", member, flip(60))
    report = verify_bundle(bad, [key.key_id])
    assert not report.passed
    assert not any(name.startswith("wacz:file") for name in failed(report))
    assert any(name == check or name.endswith(f":{check}") for name in failed(report)), failed(
        report
    )


def test_bundles_carry_no_bank_names(locker: EvidenceLocker, site: Site, tmp_path: Path) -> None:
    secret = "kim-jiyoung-private-set"
    hit = Hit(
        id=7,
        scan_id=1,
        location=site.url("/media/photo.jpg"),
        sha256="ab" * 32,
        bank=secret,
        entry=42,
        label="",
        signal_kind="pdq",
        distance=3,
        found_at=datetime.now(UTC),
        source_kind="web",
        found_in=site.url("/"),
    )
    record = capture_now(locker, site.url("/"), None, hit_context(hit, CaptureKind.WEB))
    assert record.context["bank_entry"] == 42 and "bank" not in record.context
    summary = export_bundle(locker, [record.id], tmp_path / "b.wacz")
    assert summary.warnings == ()
    with zipfile.ZipFile(summary.path) as archive:
        for info in archive.infolist():
            assert secret.encode() not in archive.read(info), info.filename
    legacy = capture_now(locker, site.url("/"), None, {"hit_id": 8, "bank": "old-name"})
    older = export_bundle(locker, [legacy.id], tmp_path / "old.wacz")
    assert older.warnings and legacy.id in older.warnings[0]
