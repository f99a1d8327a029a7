"""A Telegram post forwarded from another channel keeps that origin on its hit, in the
database, in ``haechi hits`` (table and JSON) and in the sealed message record."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

from tests.conftest import photo
from typer.testing import CliRunner

from haechi.cli import app

runner = CliRunner()


def test_forward_origin_is_kept_and_shown(tmp_path: Path) -> None:
    home = tmp_path / "home"
    original = tmp_path / "registered.png"
    photo(12, (640, 480)).save(original)
    env = {"HAECHI_EVIDENCE_SCREENSHOTS": "0"}
    assert (
        runner.invoke(app, ["--home", str(home), "bank", "add", "v", str(original)]).exit_code == 0
    )
    export = tmp_path / "ChatExport"
    (export / "photos").mkdir(parents=True)
    copy = io.BytesIO()
    photo(12, (640, 480)).resize((400, 300)).save(copy, "JPEG", quality=80)
    (export / "photos" / "photo_1.jpg").write_bytes(copy.getvalue())
    doc = {"name": "room", "type": "private_supergroup", "id": 777, "messages": [
        {"id": 9, "type": "message", "date_unixtime": "1700000000", "from": "perp",
         "from_id": "user5", "forwarded_from": "origin-channel",
         "photo": "photos/photo_1.jpg"}]}  # fmt: skip
    (export / "result.json").write_text(json.dumps(doc))

    result = runner.invoke(app, ["--home", str(home), "scan", str(export)], env=env)
    assert result.exit_code == 0, result.output
    assert "forwarded from origin-channel" in result.output

    result = runner.invoke(app, ["--home", str(home), "hits", "--json"], env=env)
    [hit] = [json.loads(line) for line in result.stdout.splitlines()]
    assert hit["forwarded_from"] == "origin-channel"
    assert hit["page"] == "https://t.me/c/777/9"

    bundle = tmp_path / "b.wacz"
    result = runner.invoke(app, ["--home", str(home), "export", "1", "--out", str(bundle)], env=env)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(bundle) as z:
        warc = gzip.decompress(b"".join(z.read(n) for n in z.namelist() if n.endswith(".warc.gz")))
    assert b"origin-channel" in warc
