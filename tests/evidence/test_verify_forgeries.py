"""Verify trusts nothing that no signature covers: each forgery is refused and named.

Every forgery starts from a real export and is made by a careful forger, who keeps the
datapackage, its digest, the index and the offsets consistent with what they planted.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haechi.evidence import bundle as layout
from haechi.evidence.bundle import export_bundle
from haechi.evidence.commands import EvidenceConfig, evidence_app
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.members import VerifyLimits
from haechi.evidence.model import Capture
from haechi.evidence.signing import SigningKey
from haechi.evidence.verify import VerificationReport, verify_bundle
from tests.evidence import forge
from tests.evidence.conftest import capture_now
from tests.evidence.site import Site


@pytest.fixture
def captures(locker: EvidenceLocker, site: Site) -> list[Capture]:
    return [
        capture_now(locker, site.url("/post/1"), site.url("/media/photo.jpg"), {"hit_id": 1}),
        capture_now(locker, site.url("/chunked"), None, {"hit_id": 2}),
    ]


@pytest.fixture
def bundle(locker: EvidenceLocker, captures: list[Capture], tmp_path: Path) -> Path:
    return export_bundle(locker, [c.id for c in captures], tmp_path / "real.wacz").path


def refused(report: VerificationReport, *problems: str) -> None:
    """The report fails and names each of ``problems``."""
    assert not report.passed
    for problem in problems:
        assert problem in report.problems, (report.problems, [c.name for c in report.failures])


def test_the_real_bundle_passes_with_no_problems(bundle: Path, key: SigningKey) -> None:
    report = verify_bundle(bundle, [key.key_id])
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert report.problems == []
    assert report.check("warc:sealed-coverage").detail.startswith("all ")


def test_a_second_warc_placed_first_under_the_same_name(
    bundle: Path, key: SigningKey, site: Site, tmp_path: Path
) -> None:
    files = forge.members(bundle)
    planted = forge.forged_record(site.url("/")) + files[layout.WARC_PATH]
    entries = [(layout.WARC_PATH, planted), *files.items()]
    report = verify_bundle(forge.write(tmp_path / "dup.wacz", entries), [key.key_id])
    refused(report, "duplicate-member")
    assert report.check(f"zip:duplicate-member:{layout.WARC_PATH}").problem == "duplicate-member"


@pytest.mark.parametrize("where", ["appended", "prepended", "between"])
def test_a_forged_record_anywhere_in_the_warc(
    bundle: Path, key: SigningKey, site: Site, tmp_path: Path, where: str
) -> None:
    files = forge.members(bundle)
    warc = files[layout.WARC_PATH]
    planted = forge.forged_record(site.url("/"))
    placed = json.loads(files[layout.BUNDLE_PATH])["captures"]
    if where == "appended":
        forged = forge.with_warc(files, warc + planted)
    elif where == "prepended":
        forged = forge.with_warc(files, planted + warc, shift=len(planted))
    else:
        cut = placed[1]["warc_offset"]
        forged = forge.with_warc(files, warc[:cut] + planted + warc[cut:])
        bundle_json = json.loads(forged[layout.BUNDLE_PATH])
        bundle_json["captures"][1]["warc_offset"] += len(planted)
        forged[layout.BUNDLE_PATH] = json.dumps(bundle_json).encode()
        forged = forge.refit_datapackage(forged)
    report = verify_bundle(forge.write(tmp_path / "x.wacz", forged.items()), [key.key_id])
    refused(report, "unsealed-warc-bytes", "index-outside-sealed")
    # The forger kept every unsigned thing consistent: only the sealing catches it.
    assert not any(c.name.startswith("wacz:file") for c in report.failures)
    assert all(
        report.check(f"capture:{item['id']}:warc").status.value == "verified" for item in placed
    )


def test_an_index_line_pointing_into_the_middle_of_a_sealed_capture(
    bundle: Path, key: SigningKey, tmp_path: Path
) -> None:
    files = forge.members(bundle)
    lines = files[layout.INDEX_PATH].decode().splitlines()
    key_part, stamp, fields = lines[0].split(" ", 2)
    moved = json.loads(fields)
    moved["offset"] = str(int(moved["offset"]) + 7)
    lines[0] = f"{key_part} {stamp} {json.dumps(moved, sort_keys=True)}"
    files[layout.INDEX_PATH] = "".join(line + "\n" for line in lines).encode()
    forged = forge.refit_datapackage(files)
    report = verify_bundle(forge.write(tmp_path / "x.wacz", forged.items()), [key.key_id])
    refused(report, "index-outside-sealed")
    assert "unsealed-warc-bytes" not in report.problems


def test_a_page_that_no_sealed_capture_names(
    bundle: Path, key: SigningKey, site: Site, tmp_path: Path
) -> None:
    files = forge.members(bundle)
    page = {"id": "cap-forged", "url": site.url("/elsewhere"), "ts": "2026-01-01T00:00:00Z"}
    files[layout.PAGES_PATH] += json.dumps(page).encode() + b"\n"
    forged = forge.refit_datapackage(files)
    report = verify_bundle(forge.write(tmp_path / "x.wacz", forged.items()), [key.key_id])
    refused(report, "pages-outside-sealed")


def test_a_renamed_warc(bundle: Path, key: SigningKey, tmp_path: Path) -> None:
    files = forge.members(bundle)
    files["archive/evidence.warc.gz"] = files.pop(layout.WARC_PATH)
    forged = forge.refit_datapackage(files, extra=["archive/evidence.warc.gz"])
    report = verify_bundle(forge.write(tmp_path / "x.wacz", forged.items()), [key.key_id])
    refused(report, "unexpected-member", "missing-member")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../x", "unsafe-member-name"),
        ("archive/../../etc/cron.d/x", "unsafe-member-name"),
        ("/etc/passwd", "unsafe-member-name"),
        ("archive\\x.warc.gz", "unsafe-member-name"),
        ("archive/extra.warc.gz", "unexpected-member"),
        ("haechi/notes.txt", "unexpected-member"),
    ],
)
def test_an_extra_member_is_refused_even_when_the_datapackage_lists_it(
    bundle: Path, key: SigningKey, site: Site, tmp_path: Path, name: str, problem: str
) -> None:
    files = forge.members(bundle)
    files[name] = forge.forged_record(site.url("/"))
    forged = forge.refit_datapackage(files, extra=[name])
    report = verify_bundle(forge.write(tmp_path / "x.wacz", forged.items()), [key.key_id])
    refused(report, problem)
    assert report.check(f"zip:{problem}:{name}").status.value == "failed"


def test_a_truncated_warc(
    bundle: Path, key: SigningKey, captures: list[Capture], tmp_path: Path
) -> None:
    files = forge.members(bundle)
    forged = forge.with_warc(files, files[layout.WARC_PATH][:-100])
    report = verify_bundle(forge.write(tmp_path / "x.wacz", forged.items()), [key.key_id])
    assert not report.passed
    assert report.check(f"capture:{captures[1].id}:warc").status.value == "failed"
    assert report.check(f"capture:{captures[0].id}:warc").status.value == "verified"
    refused(report, "unsealed-warc-bytes")  # the part left of the last capture is not sealed


def _peak(run: object) -> int:
    tracemalloc.start()
    try:
        assert callable(run)
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


GIB2 = 2000 * 1024 * 1024


@pytest.fixture(scope="module")
def bomb_chunks() -> forge.RawMember:
    """2,000 MiB of zeros, deflated to about 2 MB (made once for the module)."""
    return forge.zero_bomb("placeholder", GIB2)


@pytest.mark.parametrize("name", [layout.MANIFESTS_PATH, layout.WARC_PATH])
def test_a_small_bundle_that_inflates_to_gigabytes_is_refused_with_bounded_memory(
    bundle: Path,
    key: SigningKey,
    tmp_path: Path,
    bomb_chunks: forge.RawMember,
    name: str,
) -> None:
    files = forge.members(bundle)
    bomb = forge.RawMember(
        name, bomb_chunks.chunks, bomb_chunks.compressed_size, bomb_chunks.size, bomb_chunks.crc
    )
    entries = [bomb if n == name else forge.raw_member(n, d) for n, d in files.items()]
    path = forge.write_raw(tmp_path / "bomb.wacz", entries)
    assert path.stat().st_size < 4 * 1024 * 1024
    reports: list[VerificationReport] = []
    peak = _peak(lambda: reports.append(verify_bundle(path, [key.key_id])))
    refused(reports[0], "member-too-large")
    assert peak < 32 * 1024 * 1024, peak


def test_a_header_that_understates_the_size_cannot_smuggle_more(
    bundle: Path, key: SigningKey, tmp_path: Path
) -> None:
    files = forge.members(bundle)
    bomb = forge.zero_bomb(layout.MANIFESTS_PATH, 64 * 1024 * 1024)
    liar = forge.RawMember(bomb.name, bomb.chunks, bomb.compressed_size, 1000, bomb.crc)
    entries = [liar if n == liar.name else forge.raw_member(n, d) for n, d in files.items()]
    path = forge.write_raw(tmp_path / "liar.wacz", entries)
    reports: list[VerificationReport] = []
    peak = _peak(lambda: reports.append(verify_bundle(path, [key.key_id])))
    assert not reports[0].passed
    assert peak < 32 * 1024 * 1024, peak


def test_a_member_over_a_small_cap_is_named(bundle: Path, key: SigningKey) -> None:
    report = verify_bundle(bundle, [key.key_id], VerifyLimits(max_member_bytes=512))
    refused(report, "member-too-large")


def test_deeply_nested_json_members_fail_cleanly(
    bundle: Path, key: SigningKey, tmp_path: Path
) -> None:
    for name in (layout.BUNDLE_PATH, layout.CHECKPOINT_PATH, layout.PROOFS_PATH):
        files = forge.members(bundle)
        files[name] = b"[" * 200_000
        forged = forge.refit_datapackage(files)
        report = verify_bundle(forge.write(tmp_path / "deep.wacz", forged.items()), [key.key_id])
        assert not report.passed, name


def test_wrongly_shaped_json_fails_cleanly(bundle: Path, key: SigningKey, tmp_path: Path) -> None:
    shapes: dict[str, bytes] = {
        layout.BUNDLE_PATH: b'{"format": "haechi-bundle/v1", "captures": [1, 2]}',
        layout.PROOFS_PATH: b'{"tree_size": 3, "proofs": "x"}',
        layout.CHECKPOINT_PATH: b"[1, 2]",
        layout.DATAPACKAGE_PATH: b'{"resources": [1]}',
    }
    for name, data in shapes.items():
        files = forge.members(bundle)
        files[name] = data
        forged = files if name == layout.DATAPACKAGE_PATH else forge.refit_datapackage(files)
        report = verify_bundle(forge.write(tmp_path / "shape.wacz", forged.items()), [key.key_id])
        assert not report.passed, name


def test_the_verify_command_prints_the_problems_and_exits_1(
    bundle: Path, key: SigningKey, site: Site, tmp_path: Path
) -> None:
    files = forge.members(bundle)
    forged = forge.with_warc(files, files[layout.WARC_PATH] + forge.forged_record(site.url("/")))
    bad = forge.write(tmp_path / "x.wacz", forged.items())
    app = evidence_app(lambda: EvidenceConfig(home=tmp_path / "home"))
    result = CliRunner().invoke(
        app, ["verify", str(bad), "--trusted-key", key.key_id], terminal_width=200
    )
    assert result.exit_code == 1, result.output
    assert "problems: unsealed-warc-bytes, index-outside-sealed" in result.output


def test_a_garbage_timestamp_token_fails_cleanly(
    bundle: Path, key: SigningKey, tmp_path: Path
) -> None:
    files = forge.members(bundle)
    checkpoint = json.loads(files[layout.CHECKPOINT_PATH])
    checkpoint["timestamp_token"] = "not base64 at all!"
    files[layout.CHECKPOINT_PATH] = json.dumps(checkpoint).encode()
    forged = forge.refit_datapackage(files)
    report = verify_bundle(forge.write(tmp_path / "x.wacz", forged.items()), [key.key_id])
    assert not report.passed
