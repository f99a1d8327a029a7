"""A bundle for a platform: the evidence byte for byte as sealed, the pages beside it redacted."""

from __future__ import annotations

import hashlib
import json
import zipfile

from haechi.cases.personal import PersonalData, open_case
from haechi.evidence import verify_bundle
from haechi.evidence.commands import capture
from haechi.members.model import Actor
from haechi.redaction.bundle import make_platform_bundle
from tests.notices.conftest import world  # noqa: F401  (the fixture)
from tests.notices.world import CASE, World

PAGE = (
    "<html><head><title>지우의 영상</title></head><body>"
    "<p>지우가 올린 영상, 연락 010-5550-1234</p>"
    '<img alt="김지우 사진" src="/img/a.jpg"><p>지우개 광고</p></body></html>'
)


def test_the_evidence_is_unchanged_and_the_pages_are_redacted(world: World) -> None:  # noqa: F811
    with world.db.session() as session:
        data = PersonalData("김지우", ("010-5550-1234",))
        open_case(session, Actor.console(), CASE, data, now=world.clock())
    world.site.page("/board/9", PAGE)
    url = world.url("127.0.0.1", "/board/9")
    record = capture(world.evidence, url, context={"hit_id": world.hits["a"].id})
    locker = world.evidence.locker()
    sealed = locker.store.get(record.warc_sha256)

    bundle = make_platform_bundle(world.db, world.evidence, [record.id], world.tmp / "out")

    # The evidence: the WARC inside the WACZ is the sealed capture byte for byte.
    with zipfile.ZipFile(bundle.folder / "evidence.wacz") as wacz:
        warc = wacz.read("archive/data.warc.gz")
    assert warc == sealed and hashlib.sha256(warc).hexdigest() == record.warc_sha256
    report = verify_bundle(bundle.folder / "evidence.wacz", world.evidence.own_key_ids())
    assert report.passed
    assert locker.store.get(record.warc_sha256) == sealed  # the store is untouched too

    # What a person reads: redacted, with the statement beside it.
    shown = (bundle.folder / "redacted" / f"{record.id}.html").read_text(encoding="utf-8")
    text = (bundle.folder / "redacted" / f"{record.id}.txt").read_text(encoding="utf-8")
    for rendering in (shown, text):
        assert "지우" not in rendering.replace("지우개", "") and "5550" not in rendering
    assert "<title>[비공개]의 영상</title>" in shown and 'alt="[비공개] 사진"' in shown
    assert "지우개 광고" in shown
    statement = json.loads((bundle.folder / "redaction.json").read_text(encoding="utf-8"))
    assert statement["by_kind"] == {"name": 3, "phone": 1}
    assert "지우" not in (bundle.folder / "redaction.txt").read_text(encoding="utf-8")
    sums = (bundle.folder / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"redacted/{record.id}.html" in sums and "evidence.wacz" in sums
