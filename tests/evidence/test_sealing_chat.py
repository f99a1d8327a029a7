"""Chat hits are sealed at discovery, like web hits, and travel in the same verified bundles."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]

from haechi.evidence.verify import verify_bundle
from haechi.scan.evidence_export import export_evidence
from haechi.scan.preserve import evidence_config
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.hit_evidence import CaptureKind, EvidenceState, HitEvidenceStore
from tests.evidence.sealing_kit import (
    chat_csv,
    discord_export,
    jpeg,
    keeper,
    register,
    scan,
    telegram_export,
)
from tests.sources.sitekit import Site, serve


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", workers=1, evidence_screenshots=False)


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as running:
        yield running


def _records(bundle: Path) -> list[dict[str, Any]]:
    """Every WARC record of a bundle: type, URI, content type and payload."""
    with zipfile.ZipFile(bundle) as archive:
        warc = archive.read("archive/data.warc.gz")
    out = []
    for record in ArchiveIterator(io.BytesIO(warc)):
        out.append(
            {
                "type": record.rec_type,
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "content_type": record.rec_headers.get_header("Content-Type"),
                "payload": record.content_stream().read(),
            }
        )
    return out


def _key_ids(settings: Settings) -> tuple[str, ...]:
    return evidence_config(settings).own_key_ids()


def test_a_telegram_hit_and_a_web_hit_in_one_verified_bundle(
    settings: Settings, db: Database, tmp_path: Path, site: Site
) -> None:
    register(db, settings, tmp_path, range(1, 3))
    export = telegram_export(tmp_path / "ChatExport", [1])
    site.image("/img/leak.jpg", jpeg(2, (260, 200)), content_type="image/jpeg")
    site.page("/board/7", '<h1>post</h1><img src="/img/leak.jpg">')
    with keeper(settings) as kept:
        chat = scan(db, settings, str(export), kept)
        web = scan(db, settings, site.url("/board/7"), kept)
    [tg_hit], [web_hit] = chat.hits, web.hits
    assert tg_hit.source_kind == "telegram-export"
    assert set(chat.captures) == {tg_hit.id} and set(web.captures) == {web_hit.id}
    with db.session() as session:
        states = HitEvidenceStore(session).of([tg_hit.id, web_hit.id])
    assert states[tg_hit.id].state is EvidenceState.SEALED
    assert states[tg_hit.id].kinds == {CaptureKind.MESSAGE}
    assert states[web_hit.id].kinds == {CaptureKind.WEB}

    bundle = tmp_path / "case.wacz"
    result = export_evidence(
        db, evidence_config(settings), [str(tg_hit.id), str(web_hit.id)], bundle
    )
    assert result.complete and len(result.capture_ids) == 2
    report = verify_bundle(bundle, _key_ids(settings))
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    assert set(report.captures.values()) == {"live"} and len(report.captures) == 2

    records = _records(bundle)
    link = "https://t.me/c/1777/2"
    [message] = [r for r in records if r["uri"] == link and r["type"] == "resource"]
    sealed = json.loads(message["payload"])
    assert sealed["chat"] == "leak room" and sealed["chat_id"] == "1777"
    assert sealed["message_id"] == "2" and sealed["sender_id"] == "user4242"
    assert sealed["sender"] == "uploader" and sealed["forwarded_from"] == "origin channel"
    assert sealed["text"] == "new leak #2"
    # from date_unixtime, not the exporting computer's local time
    assert sealed["date"] == datetime.fromtimestamp(1_793_000_002, UTC).isoformat()
    assert sealed["export_record"]["photo"].startswith("photos/photo_2")
    media_bytes = (export / sealed["export_record"]["photo"]).read_bytes()
    assert any(r["payload"] == media_bytes for r in records if r["type"] == "resource")
    [facts] = [r for r in records if r["uri"] == link and r["type"] == "metadata"]
    meta = json.loads(facts["payload"])
    result_json = (export / "result.json").read_bytes()
    assert meta["export"]["sha256"] == hashlib.sha256(result_json).hexdigest()
    assert meta["export"]["name"] == "result.json"  # the analyst's own path stays home
    assert str(tmp_path) not in facts["payload"].decode()
    assert meta["media_copy"]["sha256"] == hashlib.sha256(media_bytes).hexdigest()
    assert meta["context"]["hit_id"] == tg_hit.id
    assert any(r["type"] == "response" and r["uri"].endswith("/img/leak.jpg") for r in records)


def test_a_discord_hit_and_a_chat_csv_hit_are_sealed(
    settings: Settings, db: Database, tmp_path: Path, site: Site
) -> None:
    register(db, settings, tmp_path, range(3, 5))
    discord = discord_export(tmp_path / "discord" / "channel.json", 3)
    url = site.image("/shared/4.jpg", jpeg(4, (280, 210)), content_type="image/jpeg")
    log = chat_csv(tmp_path / "kakao.csv", url)
    with keeper(settings) as kept:
        [discord_hit] = scan(db, settings, str(discord), kept).hits
        [csv_hit] = scan(db, settings, str(log), kept).hits
    with db.session() as session:
        states = HitEvidenceStore(session).of([discord_hit.id, csv_hit.id])
    assert states[discord_hit.id].state is EvidenceState.SEALED
    assert states[discord_hit.id].kinds == {CaptureKind.MESSAGE}
    # The chat log's media came from a URL: its message record and a web capture of the URL.
    assert states[csv_hit.id].state is EvidenceState.SEALED
    assert states[csv_hit.id].kinds == {CaptureKind.MESSAGE, CaptureKind.WEB}

    bundle = tmp_path / "chats.wacz"
    result = export_evidence(
        db, evidence_config(settings), [str(discord_hit.id), str(csv_hit.id)], bundle
    )
    assert result.complete and len(result.capture_ids) == 3
    report = verify_bundle(bundle, _key_ids(settings))
    assert report.passed, [(c.name, c.detail) for c in report.failures]
    messages = {
        r["uri"]: json.loads(r["payload"])
        for r in _records(bundle)
        if r["type"] == "resource" and r["content_type"] == "application/json"
    }
    posted = messages["https://discord.com/channels/111/222/1001"]
    assert posted["text"] == "look at this" and posted["sender_id"] == "9001"
    assert posted["chat"] == "Leaks / #pics" and posted["date"] == "2026-11-02T10:00:00+00:00"
    [line] = [m for uri, m in messages.items() if uri.startswith("file:")]
    assert line["sender"] == "trader" and url in line["text"]
    assert line["export_record"] == {
        "date": "2026-11-03 21:05:00", "user": "trader",
        "message": f"new one here {url}", "room": "open chat",
    }  # fmt: skip


def test_folder_hits_are_sealed_only_on_request(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    register(db, settings, tmp_path, range(5, 6))
    plain, kept_dir = tmp_path / "inbox", tmp_path / "kept"
    for folder in (plain, kept_dir):
        folder.mkdir()
    (plain / "a.jpg").write_bytes(jpeg(5))
    (kept_dir / "b.jpg").write_bytes(jpeg(5, (310, 230)))
    with keeper(settings) as kept:
        [unsealed] = scan(db, settings, str(plain), kept).hits
    with keeper(settings, preserve_files=True) as kept:
        report = scan(db, settings, str(kept_dir), kept)
    [sealed] = report.hits
    with db.session() as session:
        states = HitEvidenceStore(session).of([unsealed.id, sealed.id])
    assert states[unsealed.id].state is EvidenceState.NOT_NEEDED
    assert states[sealed.id].state is EvidenceState.SEALED
    assert states[sealed.id].kinds == {CaptureKind.FILE}

    bundle = tmp_path / "files.wacz"
    result = export_evidence(
        db, evidence_config(settings), [str(sealed.id), str(unsealed.id)], bundle
    )
    [missing] = result.missing
    assert missing.hit_id == unsealed.id and "--preserve" in missing.describe()
    assert verify_bundle(bundle, _key_ids(settings)).passed
    [facts] = [r for r in _records(bundle) if r["type"] == "metadata"]
    stored = json.loads(facts["payload"])["file"]
    assert stored["path"] == str((kept_dir / "b.jpg").absolute())
    assert stored["sha256"] == sealed.sha256 and stored["modified"]


def test_a_live_telegram_hit_is_sealed_from_the_bytes_just_downloaded(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    from haechi.scan.model import Found, Sighting
    from haechi.scan.pipeline import Scanner

    register(db, settings, tmp_path, range(6, 7))
    data = jpeg(6)
    seen = Sighting(
        "https://t.me/c/4242/77", "telegram-live", None, "live room", "poster_handle",
        datetime(2026, 11, 5, 8, 0, tzinfo=UTC),
    )  # fmt: skip
    with keeper(settings) as kept:
        report = Scanner(db, settings, kept).run("live room", "telegram-live", [Found(data, seen)])
    [hit] = report.hits
    with db.session() as session:
        state = HitEvidenceStore(session).of([hit.id])[hit.id]
    assert state.state is EvidenceState.SEALED and state.kinds == {CaptureKind.MESSAGE}
    bundle = tmp_path / "live.wacz"
    export_evidence(db, evidence_config(settings), [str(hit.id)], bundle)
    assert verify_bundle(bundle, _key_ids(settings)).passed
    records = _records(bundle)
    [message] = [r for r in records if r["uri"] == "https://t.me/c/4242/77"
                 and r["type"] == "resource"]  # fmt: skip
    sealed = json.loads(message["payload"])
    assert sealed["chat"] == "live room" and sealed["message_id"] == "77"
    assert sealed["sender"] == "poster_handle" and sealed["date"] == "2026-11-05T08:00:00+00:00"
    assert any(r["payload"] == data for r in records)  # the downloaded bytes themselves
