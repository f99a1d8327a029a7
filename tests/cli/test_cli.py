"""The command line, through Typer's runner: exit codes, and the JSON keys scripts rely on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from haechi.cli import app

runner = CliRunner()


def run(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(home), *args])
    return result.exit_code, result.output


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_hash_json_keys(tmp_path: Path, make_photo: Callable[..., Path]) -> None:
    path = make_photo(1)
    code, output = run(tmp_path / "h", "hash", "--json", str(path))
    assert code == 0, output
    [row] = lines(output)
    assert {"path", "pdq", "quality", "md5", "sha256"} <= set(row)
    assert isinstance(row["pdq"], str) and len(row["pdq"]) == 64


def test_hash_bad_file_exits_nonzero_with_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"junk")
    code, output = run(tmp_path / "h", "hash", "--json", str(bad))
    assert code == 1, output
    [row] = lines(output)
    assert row["pdq"] is None and "not an image" in str(row["error"])


def test_register_scan_hits_export_withdraw(
    tmp_path: Path, make_photo: Callable[..., Path]
) -> None:
    home = tmp_path / "h"
    original = make_photo(3)
    code, output = run(home, "bank", "add", "victims", str(original), "--label", "v1", "--json")
    assert code == 0, output
    [added] = lines(output)
    entry = added["entry"]

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "copy.jpg").write_bytes(original.read_bytes())
    make_photo(4, folder=inbox)
    code, output = run(home, "scan", "--json", str(inbox))
    assert code == 0, output
    [hit] = lines(output)
    assert {"id", "path", "sha256", "bank", "entry", "label", "distance"} <= set(hit)
    assert (hit["bank"], hit["entry"], hit["label"], hit["distance"]) == ("victims", entry, "v1", 0)

    code, output = run(home, "hits", "--json")
    assert code == 0 and lines(output)[0]["id"] == hit["id"]

    code, output = run(home, "bank", "list", "--json")
    assert lines(output) == [{"bank": "victims", "entries": 1, "description": ""}]

    exported = tmp_path / "list.txt"
    code, output = run(home, "bank", "export", "victims", "--out", str(exported))
    assert code == 0, output
    assert exported.read_text().startswith("pdq ")
    code, output = run(home, "bank", "import", "partner", str(exported))
    assert code == 0 and "imported 3" in output

    code, output = run(home, "bank", "withdraw", str(entry))
    assert code == 0, output
    code, output = run(home, "bank", "entries", "victims", "--json")
    assert lines(output) == []


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    code, output = run(tmp_path / "h", "bank", "export", "missing")
    assert code == 1
    assert "no bank named 'missing'" in output
    assert "Traceback" not in output
    code, output = run(tmp_path / "h", "bank", "withdraw", "99")
    assert code == 1 and "no bank entry with id 99" in output
