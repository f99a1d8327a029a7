"""Notice texts from Jinja2 templates, one file per kind and language.

Templates are plain text named ``<family>.<language>.txt.j2`` (``takedown.ko.txt.j2``,
``block-request.en.txt.j2``); the first line is ``Subject: …`` and the rest is the body.
A family may instead have one language-neutral template, ``<family>.txt.j2``, whose
sentences come from the phrasebooks of :mod:`haechi.notices.phrasebook` (one file per language,
English filling any phrase a language lacks); a ``<family>.<language>.txt.j2`` still wins for its
language. Adding a language is adding files: a phrasebook, or templates, in the package or in a
folder of the organisation's own (``NoticeConfig.templates_dir``), whose files win over the
bundled ones. A
notice to a platform that reads another language than English is written in its language with
the English text after it (abuse desks of Korean platforms often have staff abroad), and its
language is recorded as ``ko, en``; a platform that reads English, or whose language has no
template, gets the English text alone, with the organisation's English name. Statuses and
kinds are written with the ``status`` and ``kind`` filters, so a notice says of another notice
exactly what every list and report says.

Rendering is strict (an unknown variable is an error, not an empty string) and the output is
stored byte for byte with its SHA-256, so what was sent can be shown later exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
)

from haechi.notices.errors import NoticeError
from haechi.notices.model import NoticeKind, NoticeStatus
from haechi.notices.phrasebook import Phrasebooks

FALLBACK_LANGUAGE = "en"
ENGLISH_FOLLOWS = "---------- English ----------"


def utc_text(moment: datetime | None) -> str:
    """``2026-11-26 09:00:00 UTC``: how times are written in notices."""
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class Rendered:
    """A rendered notice: the language used, the subject and the full text with its SHA-256."""

    language: str
    subject: str
    text: str

    @property
    def sha256(self) -> str:
        """SHA-256 of the text's UTF-8 bytes (subject line included)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class Renderer:
    """Renders notice templates; see the module docstring for names and lookup."""

    def __init__(self, templates_dir: Path | None = None) -> None:
        loaders: list[Any] = []
        if templates_dir is not None:
            loaders.append(FileSystemLoader(str(templates_dir)))
        loaders.append(PackageLoader("haechi.notices", "templates"))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=False,  # plain-text mail, never HTML
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["utc"] = utc_text
        self.env.filters["status"] = _status_label
        self.env.filters["kind"] = _kind_label
        self.phrasebooks = Phrasebooks(templates_dir)

    def render_notice(
        self,
        family: str,
        language: str,
        context: Mapping[str, Any],
        english: Mapping[str, Any],
    ) -> Rendered:
        """A notice's text for a platform reading ``language``: that language, then English.

        ``context`` renders the platform's language and ``english`` the English text (they
        differ in the organisation's name). English alone when the platform reads English or
        its language has no template. The subject is the first language's.
        """
        if language == FALLBACK_LANGUAGE or language not in self.languages(family):
            return self.render(family, FALLBACK_LANGUAGE, english)
        own = self.render(family, language, context)
        in_english = self.render(family, FALLBACK_LANGUAGE, english)
        english_body = in_english.text.partition("\n")[2].lstrip("\n")
        text = f"{own.text.rstrip()}\n\n\n{ENGLISH_FOLLOWS}\n\n{english_body}"
        return Rendered(f"{language}, {FALLBACK_LANGUAGE}", own.subject, text)

    def languages(self, family: str) -> list[str]:
        """Languages that have a template of this family."""
        suffix = ".txt.j2"
        found = {
            name[len(family) + 1 : -len(suffix)]
            for name in self.env.list_templates()
            if name.startswith(family + ".") and name.endswith(suffix)
        }
        found.discard("")
        if self._neutral(family) is not None:
            found.update(self.phrasebooks.languages())
        return sorted(found)

    def _neutral(self, family: str) -> Template | None:
        try:
            return self.env.get_template(f"{family}.txt.j2")
        except TemplateNotFound:
            return None

    def render(self, family: str, language: str, context: Mapping[str, Any]) -> Rendered:
        """Render ``family`` in ``language`` (English if there is none in it)."""
        for lang in dict.fromkeys((language, FALLBACK_LANGUAGE)):
            values = dict(context)
            try:
                template = self.env.get_template(f"{family}.{lang}.txt.j2")
            except TemplateNotFound:
                neutral = self._neutral(family)
                if neutral is None or lang not in self.phrasebooks.languages():
                    continue
                template = neutral
                values["t"] = self.phrasebooks.translator(self.env, lang, context)
            try:
                text = template.render(**values)
            except TemplateError as exc:
                raise NoticeError(f"template {template.name} failed: {exc}") from None
            first, _, _ = text.partition("\n")
            if not first.startswith("Subject:"):
                raise NoticeError(f"template {template.name} must start with a Subject: line")
            return Rendered(lang, first.removeprefix("Subject:").strip(), text)
        raise NoticeError(f"no {family} template in {language} or {FALLBACK_LANGUAGE}")


def _status_label(status: NoticeStatus | str, language: str = FALLBACK_LANGUAGE) -> str:
    return NoticeStatus(status).label(language)


def _kind_label(kind: NoticeKind | str, language: str = FALLBACK_LANGUAGE) -> str:
    return NoticeKind(kind).label(language)
