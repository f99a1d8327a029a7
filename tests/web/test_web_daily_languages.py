"""Every page of the daily work speaks Korean and English: the same page asked for in each
language is marked as such and headed in it (the catalogue test checks that each of their
texts has its Korean; this checks the pages really use it)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.conftest import Server

from haechi.members.model import Role
from haechi.settings import Settings
from haechi.testkit.hits import seed_review_world

HANGUL = re.compile(r"[\uac00-\ud7a3]")
HEADING = re.compile(r"<h1>(.*?)</h1>", re.S)


def test_each_daily_page_in_korean_and_english(
    server: Server, settings: Settings, tmp_path: Path
) -> None:
    world = seed_review_world(server.db, settings, tmp_path / "files", server.clock())
    admin = server.sign_in(server.add("ada", Role.ADMIN))
    assert admin.post("/watches", {"target": "https://board.example/"}).status_code == 303
    assert admin.post("/cases", {"ref": "C-2026-1"}).status_code == 303
    watch = admin.get("/api/v1/watches").json()[0]["id"]
    pages = [
        "/dashboard",
        "/review",
        f"/hits/{world.with_preview[0]}",
        "/review/policy",
        "/banks",
        "/banks/victims",
        "/scans",
        "/watches",
        f"/watches/{watch}",
        "/jobs",
        "/cases",
        "/cases/C-2026-1",
        "/notices",
        "/reports",
        "/stats",
        "/settings",
    ]
    for path in pages:
        shown = {}
        for lang in ("ko", "en"):
            page = admin.get(path, headers={"Accept-Language": lang})
            assert page.status_code == 200, (path, lang, page.text[:300])
            assert f'<html lang="{lang}">' in page.text, (path, lang)
            heading = HEADING.search(page.text)
            assert heading is not None, (path, lang)
            shown[lang] = re.sub(r"<[^>]+>", "", heading.group(1)).strip()
        assert HANGUL.search(shown["ko"]), (path, shown)
        assert not HANGUL.search(shown["en"]), (path, shown)
