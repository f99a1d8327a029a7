"""Notices in Korean, English, Japanese, simplified Chinese, Russian and Spanish; anything a
language lacks is written in English, never left empty."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from haechi.notices.errors import NoticeError
from haechi.notices.model import NoticeItem
from haechi.notices.platforms import Platform
from haechi.notices.render import Renderer

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LANGUAGES = {  # language -> a word its notice must contain
    "ko": "삭제 요청",
    "en": "Removal request",
    "ja": "削除依頼",
    "zh-Hans": "删除请求",
    "ru": "Запрос на удаление",
    "es": "Solicitud de retirada",
}


class Previous:
    id = 3
    sent_at = T0


def context(language: str, **extra: Any) -> dict[str, Any]:
    host = Platform("abuse-host", "Host Ltd", ("site.example",), language=language)
    items = [
        NoticeItem(1, "https://site.example/a.jpg", "https://site.example/p/1", "ab" * 32, 5, T0),
        NoticeItem(2, "https://site.example/b.jpg", None, "cd" * 32, None, None),
    ]
    values: dict[str, Any] = {
        "organisation": "Haechi",
        "platform": host,
        "notice_id": 7,
        "kind": "takedown",
        "items": items,
        "now": T0,
        "checked_at": T0,
        "deadline_hours": 24,
        "previous": Previous(),
        "repeat": 1,
        "history": [],
        "responsibilities": [
            {"role": "host", "domain": "site.example", "resource": "203.0.113.7", "checked_at": T0},
            {"role": "registrar", "domain": "site.example", "resource": "Reg", "checked_at": T0},
        ],
    }
    return {**values, **extra}


def english_phrases() -> dict[str, str]:
    text = (resources.files("haechi.notices") / "languages" / "en.toml").read_text("utf-8")
    return tomllib.loads(text)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_each_language_renders_every_phrase_in_itself(language: str) -> None:
    renderer = Renderer()
    assert language in renderer.languages("takedown")
    rendered = renderer.render("takedown", language, context(language))
    assert rendered.language == language and LANGUAGES[language] in rendered.subject
    text = rendered.text
    assert rendered.subject.rstrip().endswith("7")  # the notice number
    for needle in ("https://site.example/a.jpg", "ab" * 32, "203.0.113.7", "Haechi"):
        assert needle in text
    assert "{{" not in text and "}}" not in text
    # Each language's phrasebook is complete: nothing fell back to English.
    if language != "en":
        english = Renderer().render("takedown", "en", context("en")).text
        shared = set(text.splitlines()) & set(english.splitlines()) - {"Haechi"}
        assert all(not line.strip() or any(c.isdigit() for c in line) for line in shared), shared
    book = renderer.phrasebooks.books[language]
    assert set(english_phrases()) <= set(book), set(english_phrases()) - set(book)


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
def test_a_notice_in_another_language_carries_the_english_text_too(language: str) -> None:
    both = Renderer().render_notice("takedown", language, context(language), context("en"))
    assert both.language == f"{language}, en"
    own, _, english = both.text.partition("---------- English ----------")
    assert LANGUAGES[language] in own and "To the abuse team of Host Ltd" in english


def test_a_missing_phrase_or_language_falls_back_to_english(tmp_path: Path) -> None:
    own = tmp_path / "templates"
    own.mkdir()
    # A new language with a subject only, and an empty greeting: the rest is English.
    (own / "fr.toml").write_text(
        'subject = "[Demande de retrait] avis n° {{ notice_id }}"\ngreeting = ""\n',
        encoding="utf-8",
    )
    # The organisation rewords one Japanese phrase; the others stay the bundled ones.
    (own / "ja.toml").write_text('items_label = "削除対象"\n', encoding="utf-8")
    renderer = Renderer(own)
    fr = renderer.render("takedown", "fr", context("fr"))
    assert fr.language == "fr" and fr.subject == "[Demande de retrait] avis n° 7"
    assert "To the abuse team of Host Ltd," in fr.text and "Items:" in fr.text
    ja = renderer.render("takedown", "ja", context("ja"))
    assert "\n削除対象:\n" in ja.text and "削除依頼" in ja.subject
    # A language with no phrasebook at all: the whole notice in English.
    de = renderer.render("takedown", "de", context("de"))
    assert de.language == "en" and "Removal request" in de.subject
    # No notice line is ever empty where a phrase belongs.
    for rendered in (fr, ja, de):
        assert ": \n" not in rendered.text and "\n:" not in rendered.text


def test_a_notice_without_responsibilities_says_nothing_about_them() -> None:
    rendered = Renderer().render("takedown", "en", context("en", responsibilities=[]))
    assert "registration data" not in rendered.text
    legacy = {k: v for k, v in context("en").items() if k != "responsibilities"}
    assert Renderer().render("takedown", "en", legacy).text == rendered.text


def test_a_broken_phrase_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "es.toml").write_text('intro = "{{ nonsense }}"\n', encoding="utf-8")
    with pytest.raises(NoticeError, match="intro"):
        Renderer(tmp_path).render("takedown", "es", context("es"))
    (tmp_path / "es.toml").write_text("intro = 3\n", encoding="utf-8")
    with pytest.raises(NoticeError, match="must be text"):
        Renderer(tmp_path)
