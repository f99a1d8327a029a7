"""`haechi demo` is the first thing a new user runs: it must work end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haechi.cli import app


def test_demo_finds_reuploads_and_verifies_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAECHI_EVIDENCE_SCREENSHOTS", "0")
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "demo"])
    assert result.exit_code == 0, result.output
    found = re.search(r"re-uploads found (\d+)% \((\d+)/(\d+)\)", result.output)
    assert found is not None, result.output
    assert int(found.group(2)) >= 0.9 * int(found.group(3))
    assert "false matches among 60 unrelated images: 0" in result.output
    assert "offline verification: PASS" in result.output
    assert not any(p.suffix == ".png" and "original" in p.name for p in tmp_path.rglob("*"))
