"""Factories of the sealing tests: a bank of real photos, chat exports that re-post them, scans.

Everything is made by the tests: JPEGs of the registered photos (re-encoded, so only their PDQ
matches), a Telegram Desktop export, a DiscordChatExporter file and a chat-log CSV, and scans
through the real pipeline with a real evidence keeper (no browser: screenshots off).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from haechi.banks.service import register_files
from haechi.scan.intake import source_options
from haechi.scan.model import ScanReport
from haechi.scan.pipeline import Scanner
from haechi.scan.preserve import EvidenceKeeper, evidence_config
from haechi.settings import Settings
from haechi.sources import open_source
from haechi.store.database import Database
from tests.conftest import photo

LOOPBACK = ("127.0.0.1",)


def jpeg(seed: int, size: tuple[int, int] = (300, 220)) -> bytes:
    """A re-encoded copy of registered photo ``seed`` (not the registered bytes)."""
    buffer = io.BytesIO()
    photo(seed).resize(size).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def register(db: Database, settings: Settings, tmp: Path, seeds: range) -> None:
    """Register photos ``seeds`` in the bank ``victims``."""
    folder = tmp / "originals"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in seeds:
        path = folder / f"{seed}.png"
        photo(seed).save(path)
        paths.append(path)
    register_files(db, settings, "victims", paths)


def telegram_export(root: Path, seeds: list[int], chat_id: int = 1777) -> Path:
    """A one-chat Telegram Desktop export whose messages carry photos ``seeds``."""
    (root / "photos").mkdir(parents=True, exist_ok=True)
    messages: list[dict[str, object]] = [
        {"id": 1, "type": "service", "date": "2026-11-01T10:00:00", "action": "create_group"}
    ]
    for number, seed in enumerate(seeds, start=2):
        name = f"photos/photo_{number}@01-11-2026_10-00-00.jpg"
        (root / name).write_bytes(jpeg(seed))
        messages.append(
            {
                "id": number,
                "type": "message",
                "date": "2026-11-01T19:00:00",
                "date_unixtime": str(1_793_000_000 + number),
                "from": "uploader",
                "from_id": "user4242",
                "forwarded_from": "origin channel",
                "photo": name,
                "width": 300,
                "height": 220,
                "text": ["new ", {"type": "bold", "text": "leak"}, f" #{number}"],
            }
        )
    doc = {"name": "leak room", "type": "private_supergroup", "id": chat_id, "messages": messages}
    (root / "result.json").write_text(json.dumps(doc), encoding="utf-8")
    return root


def discord_export(path: Path, seed: int) -> Path:
    """A DiscordChatExporter JSON file with one message whose attachment is photo ``seed``."""
    files = path.parent / "export_Files"
    files.mkdir(parents=True, exist_ok=True)
    (files / "pic-1A2B.jpg").write_bytes(jpeg(seed))
    doc = {
        "guild": {"id": "111", "name": "Leaks"},
        "channel": {"id": "222", "name": "pics"},
        "messages": [
            {
                "id": "1001",
                "type": "Default",
                "timestamp": "2026-11-02T10:00:00+00:00",
                "content": "look at this",
                "author": {"id": "9001", "name": "perp_handle"},
                "attachments": [
                    {"id": "1", "url": "export_Files/pic-1A2B.jpg", "fileName": "pic.jpg"}
                ],
                "embeds": [],
            }
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def chat_csv(path: Path, url: str) -> Path:
    """A chat-log CSV in which someone posts ``url``."""
    path.write_text(
        "date,user,message,room\n"
        "2026-11-03 21:00:00,someone,hello,open chat\n"
        f"2026-11-03 21:05:00,trader,new one here {url},open chat\n",
        encoding="utf-8",
    )
    return path


def scan(
    db: Database,
    settings: Settings,
    target: str,
    keeper: EvidenceKeeper | None,
    kind: str | None = None,
) -> ScanReport:
    """Scan ``target`` through the real pipeline (loopback allowed)."""
    source = open_source(target, kind, source_options(settings, LOOPBACK))
    return Scanner(db, settings, keeper).scan_source(source, target)


def keeper(settings: Settings, preserve_files: bool = False) -> EvidenceKeeper:
    """An evidence keeper for loopback sites, without a browser."""
    return EvidenceKeeper(evidence_config(settings, LOOPBACK), preserve_files=preserve_files)

