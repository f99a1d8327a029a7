"""The evidence commands through Typer's runner: keygen, capture, export, verify."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import haechi.evidence as evidence
from haechi.evidence.commands import EvidenceConfig, evidence_app
from tests.evidence.site import Site

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> EvidenceConfig:
    return EvidenceConfig(home=tmp_path / "home", allow=("127.0.0.1",), screenshots=False)


def test_keygen_capture_export_verify(config: EvidenceConfig, site: Site, tmp_path: Path) -> None:
    app = evidence_app(lambda: config)
    made = runner.invoke(app, ["keygen"])
    assert made.exit_code == 0, made.output
    key_id = re.search(r"key id ([0-9a-f]{64})", made.output)
    assert key_id is not None
    again = runner.invoke(app, ["keygen"])
    assert again.exit_code == 2 and "never overwritten" in again.output

    context = json.dumps({"hit_id": 5, "source": "web"})
    captured = runner.invoke(
        app,
        [
            "capture",
            site.url("/post/1"),
            "--media",
            site.url("/media/photo.jpg"),
            "--context",
            context,
        ],
    )
    assert captured.exit_code == 0, captured.output
    capture_id = re.search(r"sealed (cap-\S+)", captured.output)
    assert capture_id is not None
    assert "screenshots were turned off" in captured.output

    out = tmp_path / "bundle.wacz"
    exported = runner.invoke(app, ["export", capture_id.group(1), "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert out.is_file()

    checked = runner.invoke(app, ["verify", str(out), "--trusted-key", key_id.group(1)])
    assert checked.exit_code == 0, checked.output
    assert "PASS" in checked.output and "checkpoint:signature" in checked.output


def test_verify_exits_1_and_names_the_failure(
    config: EvidenceConfig, site: Site, tmp_path: Path
) -> None:
    app = evidence_app(lambda: config)
    runner.invoke(app, ["keygen"])
    captured = runner.invoke(app, ["capture", site.url("/")])
    capture_id = re.search(r"sealed (cap-\S+)", captured.output)
    assert capture_id is not None
    good = tmp_path / "good.wacz"
    assert runner.invoke(app, ["export", capture_id.group(1), "-o", str(good)]).exit_code == 0
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(bad, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "haechi/checkpoint.json":
                data = data.replace(b'"tree_size": ', b'"tree_size": 1')
            new.writestr(info, data)
    result = runner.invoke(app, ["verify", str(bad)], terminal_width=200)
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output and "checkpoint:signature" in result.output


def test_errors_become_messages_and_exit_codes(config: EvidenceConfig, tmp_path: Path) -> None:
    app = evidence_app(lambda: config)
    result = runner.invoke(app, ["export", "cap-unknown", "-o", str(tmp_path / "x.wacz")])
    assert result.exit_code == 2 and "keygen" in result.output
    runner.invoke(app, ["keygen"])
    result = runner.invoke(app, ["export", "cap-unknown", "-o", str(tmp_path / "x.wacz")])
    assert result.exit_code == 2 and "no capture" in result.output
    result = runner.invoke(app, ["capture", "http://127.0.0.1:9/", "--context", "[1]"])
    assert result.exit_code == 2


def test_public_exports() -> None:
    assert sorted(evidence.__all__) == evidence.__all__
    for name in evidence.__all__:
        assert getattr(evidence, name) is not None
    assert {"EvidenceLocker", "verify_bundle", "export_bundle", "Capture", "generate_key"} <= set(
        evidence.__all__
    )
