"""Hits left pending are captured later, or marked gone with the time; exports name the gaps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from haechi.evidence import commands as evidence_commands
from haechi.evidence.errors import BundleError
from haechi.evidence.verify import verify_bundle
from haechi.scan.evidence_export import export_evidence
from haechi.scan.preserve import ensure_key, evidence_config
from haechi.scan.repair import repair_evidence
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.hit_evidence import EvidenceState, HitEvidenceStore
from tests.evidence.sealing_kit import LOOPBACK, jpeg, keeper, register, scan
from tests.sources.sitekit import Site, serve


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", workers=1, evidence_screenshots=False)


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def _post(site: Site, number: int, seed: int) -> str:
    size = (256 + 4 * number, 192 + 3 * number)  # 4:3, as registered
    site.image(f"/img/{number}.jpg", jpeg(seed, size), content_type="image/jpeg")
    return site.page(f"/post/{number}", f'<p>post {number}</p><img src="/img/{number}.jpg">')


def _state(db: Database, hit_id: int) -> EvidenceState:
    with db.session() as session:
        return HitEvidenceStore(session).of([hit_id])[hit_id].state


def _captures(settings: Settings) -> list[str]:
    return [c.id for c in evidence_config(settings).locker().captures()]


def test_a_pending_hit_is_captured_by_repair(
    settings: Settings, db: Database, tmp_path: Path, site: Site
) -> None:
    register(db, settings, tmp_path, range(1, 2))
    [hit] = scan(db, settings, _post(site, 1, 1), None).hits  # capture off: left pending
    assert _state(db, hit.id) is EvidenceState.PENDING

    report = repair_evidence(db, settings, LOOPBACK)
    [done] = report.captured
    assert done.hit_id == hit.id and not report.gone and not report.failed
    assert _state(db, hit.id) is EvidenceState.SEALED
    assert repair_evidence(db, settings, LOOPBACK).outcomes == ()  # nothing left to do

    bundle = tmp_path / "one.wacz"
    result = export_evidence(db, evidence_config(settings), [str(hit.id)], bundle)
    assert result.complete and result.capture_ids == done.captures
    key_ids = evidence_config(settings).own_key_ids()
    assert verify_bundle(bundle, key_ids).passed


def test_the_next_scan_settles_pending_hits_first(
    settings: Settings, db: Database, tmp_path: Path, site: Site
) -> None:
    register(db, settings, tmp_path, range(1, 3))
    [left] = scan(db, settings, _post(site, 1, 1), None).hits
    with keeper(settings) as kept:
        report = scan(db, settings, _post(site, 2, 2), kept)
    [repaired] = report.repaired
    assert repaired.hit_id == left.id and repaired.state == "sealed"
    [new] = report.hits
    assert _state(db, left.id) is _state(db, new.id) is EvidenceState.SEALED


def test_a_capture_sealed_before_a_crash_is_found_not_taken_again(
    settings: Settings, db: Database, tmp_path: Path, site: Site
) -> None:
    register(db, settings, tmp_path, range(1, 2))
    page = _post(site, 1, 1)
    [hit] = scan(db, settings, page, None).hits
    # The scan died after sealing but before marking the hit: the log holds the capture.
    config = evidence_config(settings, LOOPBACK)
    ensure_key(config)
    context = {"hit_id": hit.id, "media_sha256": hit.sha256, "capture": "web"}
    sealed = evidence_commands.capture(config, page, hit.location, context)
    before = _captures(settings)

    [done] = repair_evidence(db, settings, LOOPBACK).captured
    assert done.captures == (sealed.id,)
    assert _captures(settings) == before  # nothing captured twice
    assert _state(db, hit.id) is EvidenceState.SEALED


def test_a_dead_page_is_marked_gone_with_its_time_and_export_carries_the_rest(
    settings: Settings, db: Database, tmp_path: Path, site: Site
) -> None:
    register(db, settings, tmp_path, range(1, 4))
    [removed] = scan(db, settings, _post(site, 1, 1), None).hits
    [kept_hit] = scan(db, settings, _post(site, 2, 2), None).hits
    with serve() as other:
        [unreachable] = scan(db, settings, _post(other, 3, 3), None).hits
    # The server of hit 3 is gone entirely; the media of hit 1 answers 404.
    del site.routes["/img/1.jpg"]
    started = datetime.now(UTC)

    report = repair_evidence(db, settings, LOOPBACK)
    assert [o.hit_id for o in report.captured] == [kept_hit.id]
    gone = {o.hit_id: o for o in report.gone}
    assert set(gone) == {removed.id, unreachable.id}
    assert "answered 404" in (gone[removed.id].reason or "")
    for outcome in gone.values():
        assert outcome.at is not None and outcome.at >= started
    with db.session() as session:
        stored = HitEvidenceStore(session).of([removed.id])[removed.id]
    assert stored.state is EvidenceState.GONE and stored.checked_at == gone[removed.id].at

    bundle = tmp_path / "case.wacz"
    ids = [str(removed.id), str(kept_hit.id), str(unreachable.id)]
    result = export_evidence(db, evidence_config(settings), ids, bundle)
    assert not result.complete
    assert [m.hit_id for m in result.missing] == [removed.id, unreachable.id]
    line = result.missing[0].describe()
    assert line.startswith(f"hit {removed.id} is gone since {started:%Y-%m-%d}")
    assert "404" in line
    assert verify_bundle(bundle, evidence_config(settings).own_key_ids()).passed

    with pytest.raises(BundleError, match=f"hit {removed.id} is gone since"):
        export_evidence(db, evidence_config(settings), [str(removed.id)], tmp_path / "x.wacz")


def test_known_bytes_at_a_new_place_are_captured_too(
    settings: Settings, db: Database, tmp_path: Path, site: Site
) -> None:
    register(db, settings, tmp_path, range(1, 2))
    data = jpeg(1, (288, 216))
    site.image("/a/leak.jpg", data, content_type="image/jpeg")
    site.image("/b/again.jpg", data, content_type="image/jpeg")
    site.page("/a", '<img src="/a/leak.jpg">')
    site.page("/b", '<img src="/b/again.jpg">')
    with keeper(settings) as kept:
        [first] = scan(db, settings, site.url("/a"), kept).hits
        again = scan(db, settings, site.url("/b"), kept)
    [rehit] = again.hits
    assert again.hashed == 0 and rehit.sha256 == first.sha256
    assert rehit.id in again.captures and _state(db, rehit.id) is EvidenceState.SEALED


def test_unknown_hits_are_named_not_crashed_on(settings: Settings, db: Database) -> None:
    with pytest.raises(BundleError, match="hit 12345 has no capture: no such hit"):
        export_evidence(db, evidence_config(settings), ["12345"], Path("never.wacz"))
