"""Korean and English from gettext catalogues: every text of every page has its Korean, the
compiled catalogues match their sources, a member's language and time zone are hers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import resources
from io import BytesIO

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from tests.web.conftest import Server

from haechi.members.model import Role
from haechi.web import i18n

LOCALES = resources.files("haechi.web") / "locales"


def catalogue(locale: str, suffix: str = "po") -> dict[str, str]:
    data = (LOCALES / locale / "LC_MESSAGES" / f"messages.{suffix}").read_bytes()
    read = read_po(BytesIO(data), locale=locale) if suffix == "po" else read_mo(BytesIO(data))
    return {str(m.id): str(m.string) for m in read if m.id}


def test_every_msgid_has_its_korean() -> None:
    korean = catalogue("ko")
    assert len(korean) > 80
    assert [m for m, text in korean.items() if not text.strip()] == []
    assert set(catalogue("en")) == set(korean)  # both catalogues list the same texts


def test_every_text_of_every_template_and_every_marked_text_is_in_the_catalogue() -> None:
    folder = resources.files("haechi.web") / "templates"
    texts = set(i18n.SHOWN_ELSEWHERE)
    pending = list(folder.iterdir())
    while pending:  # templates of an area live in a folder of their own
        template = pending.pop()
        if template.is_dir():
            pending.extend(template.iterdir())
            continue
        texts |= set(re.findall(r'_\("([^"]+)"\)', template.read_text(encoding="utf-8")))
    assert texts - set(catalogue("ko")) == set()


def test_the_compiled_catalogue_is_the_source_and_is_what_pages_use() -> None:
    compiled = LOCALES / "ko" / "LC_MESSAGES" / "messages.mo"
    assert compiled.is_file(), "compile the catalogues: make, or pip install -e ."
    assert catalogue("ko", "mo") == catalogue("ko")
    assert i18n.translator("ko")("Sign in") == "로그인"
    assert i18n.translator("en")("Sign in") == "Sign in"
    assert i18n.translator("fr")("Sign in") == "로그인"  # an unknown locale is the default


def test_times_are_shown_in_the_readers_zone() -> None:
    moment = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    assert i18n.clock_text(None)(moment, "%Y-%m-%d %H:%M") == "2026-12-02 00:30 KST"
    assert i18n.clock_text("Europe/Berlin")(moment, "%H:%M") == "16:30 CET"
    assert i18n.clock_text("No/Such_Zone")(moment, "%H:%M") == "00:30 KST"
    assert i18n.clock_text("UTC")(None, "%H:%M") == ""


def test_a_members_language_and_zone_are_hers(server: Server) -> None:
    admin = server.sign_in(server.add("boss", Role.ADMIN))
    korean = {"Accept-Language": "ko"}
    page = admin.get("/sessions", headers=korean)
    assert "내 세션" in page.text and " KST" in page.text  # Asia/Seoul until she chooses
    saved = admin.post("/settings", {"locale": "en", "time_zone": "Europe/Berlin"})
    assert saved.status_code == 303
    page = admin.get("/sessions", headers=korean)  # her choice wins over the browser's
    assert "Your sessions" in page.text and "내 세션" not in page.text
    assert " CET" in page.text and " KST" not in page.text
    assert page.headers["content-language"] == "en"
    api = admin.get("/api/v1/me/preferences").json()
    assert api == {"locale": "en", "time_zone": "Europe/Berlin"}
    bad = admin.post("/settings", {"locale": "en", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400 and "unknown time zone" in bad.text
    cleared = admin.http.put(
        "/api/v1/me/preferences",
        json={"locale": None, "time_zone": "Asia/Seoul"},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert cleared.status_code == 200
    assert "내 세션" in admin.get("/sessions", headers=korean).text
    # Before signing in, only the browser decides.
    assert "로그인" in server.client(**korean).get("/signin").text
