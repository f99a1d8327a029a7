"""``haechi bundle`` and the delivery service: the bundle a platform receives for a notice or
for hits, as a folder or a zip, audited with the redaction's counts and never its values."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from haechi.audit import trail
from haechi.cases.personal import PersonalData, open_case
from haechi.cli import mount
from haechi.cli.common import CommandEnv
from haechi.evidence.commands import capture
from haechi.members.model import Actor
from haechi.notices import Decision, decide, draft_notices
from haechi.redaction import delivery
from haechi.store.hit_evidence import CaptureKind, HitEvidenceStore
from tests.notices.conftest import world  # noqa: F401  (the fixture)
from tests.notices.world import CASE, World, fetch_policy

PAGE = (
    "<html><head><title>하늘이 영상</title></head><body>"
    "<p>별빛여고 하늘이, 연락 010-5550-1234</p></body></html>"
)


def _cli(w: World) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """haechi, as the tests mount it."""

    env = CommandEnv(w.settings, w.desk.config, w.clock, fetch_policy())
    mount(app, lambda: env)
    return app


def _exports(w: World) -> list[dict[str, object]]:
    with w.db.session() as session:
        found = trail.events(session, kind=trail.AuditKind.EVIDENCE_EXPORTED.value)
    return [e.detail for e in found if e.detail.get("format") == delivery.BUNDLE_FORMAT]


def test_the_command_writes_a_folder_or_a_zip(world: World, tmp_path: Path) -> None:  # noqa: F811
    with world.db.session() as session:
        data = PersonalData("윤하늘", ("010-5550-1234",), school="별빛여자고등학교")
        open_case(session, Actor.console(), CASE, data, now=world.clock())
    world.site.page("/board/9", PAGE)
    record = capture(
        world.evidence, world.url("127.0.0.1", "/board/9"), context={"hit_id": world.hits["a"].id}
    )
    with world.db.session() as session:  # the page is one more capture of hit a
        HitEvidenceStore(session).add_capture(
            world.hits["a"].id, record.id, CaptureKind.WEB, world.clock()
        )
    runner = CliRunner()
    hit = str(world.hits["a"].id)

    folder = tmp_path / "for-portal"
    result = runner.invoke(_cli(world), ["bundle", "--hit", hit, "--out", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert record.id in made["captures"] and made["redaction"]["by_kind"] == {
        "name": 2,
        "phone": 1,
        "school": 1,
    }
    shown = (folder / "redacted" / f"{record.id}.html").read_text(encoding="utf-8")
    assert "하늘" not in shown and "별빛" not in shown and "5550" not in shown
    assert {"evidence.wacz", "redaction.json", "redaction.txt", "SHA256SUMS"} <= {
        p.name for p in folder.iterdir()
    }
    again = runner.invoke(_cli(world), ["bundle", "--hit", hit, "--out", str(folder)])
    assert again.exit_code == 2 and "not an empty folder" in again.output

    zipped = tmp_path / "out" / "portal.zip"
    result = runner.invoke(_cli(world), ["bundle", "--hit", hit, "--out", str(zipped)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
        assert f"hit-{hit}/evidence.wacz" in names and f"hit-{hit}/SHA256SUMS" in names
        assert "하늘" not in archive.read(f"hit-{hit}/redacted/{record.id}.txt").decode()
    details = _exports(world)
    assert len(details) == 2 and details[0]["redacted"] == {"name": 2, "phone": 1, "school": 1}
    assert "sha256" in details[0] and "하늘" not in json.dumps(details, ensure_ascii=False)

    neither = runner.invoke(_cli(world), ["bundle", "--out", str(tmp_path / "x")])
    assert neither.exit_code == 2 and "--notice" in neither.output


def test_a_notice_bundle_carries_its_cited_hits(world: World, tmp_path: Path) -> None:  # noqa: F811
    hits = [world.hits["a"].id, world.hits["b"].id]
    decide(world.desk, hits, Decision.CONFIRMED, "reviewer-1")
    notice = next(n for n in draft_notices(world.desk).notices if n.platform == "local-portal")
    subject = delivery.for_notice(world.db, notice.id)
    assert sorted(int(i) for i in subject.ids) == sorted(hits)
    assert subject.name == f"notice-{notice.id}-local-portal"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    zipped = delivery.zipped_bundle(world.db, world.evidence, subject, scratch, Actor.console())
    assert zipped.filename == f"{subject.name}.zip"
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        assert f"{subject.name}/evidence.wacz" in archive.namelist()
    assert list(scratch.iterdir()) == []  # the scratch folder is gone
    with pytest.raises(Exception, match="no notice"):
        delivery.for_notice(world.db, 999)
