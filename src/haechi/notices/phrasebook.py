"""Notice phrasebooks: one file per language, English filling every gap.

A language-neutral template (``templates/<family>.txt.j2``) writes each sentence as
``{{ t("key") }}``; the phrase comes from the notice language's phrasebook,
``languages/<code>.toml`` (``ko.toml``, ``ja.toml``, ``zh-Hans.toml``), or from a folder of the
organisation's own (``NoticeConfig.templates_dir``, same file names; its files win). A phrase a
language lacks, or leaves empty, is the English one (``en.toml`` has every key), so a missing
translation never leaves a notice, or a line of it, empty. Phrases are Jinja texts rendered with
the notice's context, so they can name the organisation, the deadline, an item.

Adding a language is adding one file: copy ``en.toml`` to ``<code>.toml`` (an IETF tag such as
``fr`` or ``pt-BR``), translate what you can and delete what you cannot.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, Template, TemplateError

from haechi.notices.errors import NoticeError

ENGLISH = "en"
_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def _read(text: str, where: str) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NoticeError(f"phrasebook {where} is not TOML: {exc}") from None
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise NoticeError(f"phrasebook {where}: {', '.join(bad)} must be text")
    return {k: v for k, v in data.items() if v.strip()}


class Phrasebooks:
    """Every phrasebook found: the bundled ones, then the organisation's, which win."""

    def __init__(self, own_dir: Path | None = None) -> None:
        self.books: dict[str, dict[str, str]] = {}
        bundled = resources.files("haechi.notices") / "languages"
        for entry in bundled.iterdir():
            self._add(entry.name, entry.read_text("utf-8"))
        if own_dir is not None and own_dir.is_dir():
            for path in sorted(own_dir.glob("*.toml")):
                self._add(path.name, path.read_text("utf-8"))
        if ENGLISH not in self.books:
            raise NoticeError("the English phrasebook (en.toml) is missing")

    def _add(self, name: str, text: str) -> None:
        code = name.removesuffix(".toml")
        if name.endswith(".toml") and _CODE.match(code):
            self.books[code] = {**self.books.get(code, {}), **_read(text, name)}

    def languages(self) -> list[str]:
        """Language codes that have a phrasebook."""
        return sorted(self.books)

    def phrase(self, language: str, key: str) -> tuple[str, str]:
        """``(language used, phrase text)``: the language's phrase, else the English one."""
        for lang in (language, ENGLISH):
            text = self.books.get(lang, {}).get(key)
            if text:
                return lang, text
        raise NoticeError(f"no phrase {key!r} in {language} or {ENGLISH} (languages/en.toml)")

    def translator(
        self, env: Environment, language: str, context: Mapping[str, Any]
    ) -> Callable[..., str]:
        """The ``t(key, **extra)`` a template calls: the phrase rendered with ``context``."""
        cache: dict[tuple[str, str], Template] = {}

        def t(key: str, **extra: Any) -> str:
            lang, text = self.phrase(language, key)
            template = cache.get((lang, key))
            if template is None:
                try:
                    template = cache[(lang, key)] = env.from_string(text)
                except TemplateError as exc:
                    raise NoticeError(f"phrase {key!r} of {lang}.toml: {exc}") from None
            try:
                return template.render({**context, **extra})
            except TemplateError as exc:
                raise NoticeError(f"phrase {key!r} of {lang}.toml failed: {exc}") from None

        return t
