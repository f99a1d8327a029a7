"""Korean and English for the pages of the team server: gettext catalogues, times in a zone.

Templates write ``_("English text")``; the Korean is in ``locales/ko/LC_MESSAGES/messages.po``
(extracted from the templates and this package with ``make messages``, babel.cfg), compiled
to ``messages.mo`` when the package is built (setup.py) or installed for development (the
Makefile). A catalogue whose ``.mo`` is missing or older than its ``.po`` is read from the
``.po`` in memory, so a checkout run straight from its sources still speaks Korean; nothing is
ever written into the package at run time. Korean is the default: the people this serves read
it first.

Texts that reach a page from elsewhere (an error a service raised, a role's name) are marked
here with :func:`N_` so that extraction finds them.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import datetime
from functools import cache
from importlib import resources
from io import BytesIO

from haechi.members.preferences import zone

LOCALES = ("ko", "en")
DEFAULT = "ko"
DOMAIN = "messages"
LOCALE_DIR = resources.files("haechi.web") / "locales"


def N_(text: str) -> str:
    """Mark ``text`` for translation where it is written; it is translated where shown."""
    return text


SHOWN_ELSEWHERE = (
    # roles and statuses (shown as their value)
    N_("admin"),
    N_("analyst"),
    N_("reviewer"),
    N_("liaison"),
    N_("auditor"),
    N_("probation"),
    N_("active"),
    N_("suspended"),
    # job kinds and states
    N_("scan"),
    N_("watches"),
    N_("rechecks"),
    N_("followups"),
    N_("reminders"),
    N_("queued"),
    N_("running"),
    N_("done"),
    N_("failed"),
    # the pages of errors (haechi.web.app) and texts routes hand to templates
    N_("Please sign in first."),
    N_("You may not see this page."),
    N_("Not found."),
    N_("The passwords differ."),
    # errors services raise, shown on the page they refused
    N_("wrong name or password"),
    N_("wrong or already used code"),
    N_("too many failed sign-ins; try again in 15 minutes"),
    N_("sign in again: the first step has expired"),
)


def _compiled(locale: str) -> gettext.GNUTranslations | None:
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if not po.is_file():
        return None
    if mo.is_file():
        try:
            fresh = _mtime(mo) >= _mtime(po)
        except OSError:
            fresh = True  # inside a zip or wheel: built together
        if fresh:
            return gettext.GNUTranslations(BytesIO(mo.read_bytes()))
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buffer = BytesIO()
    write_mo(buffer, read_po(BytesIO(po.read_bytes()), locale=locale))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _mtime(path: object) -> float:
    from pathlib import Path

    return Path(str(path)).stat().st_mtime


@cache
def catalogue(locale: str) -> gettext.NullTranslations:
    """The catalogue of ``locale`` (English texts are their own translation)."""
    return _compiled(locale) or gettext.NullTranslations()


def negotiate(accept_language: str | None) -> str:
    """The first of Korean or English the browser asks for (by quality), else Korean."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LOCALES and quality > 0:
            choices.append((-quality, index, language))
    return min(choices)[2] if choices else DEFAULT


def translator(locale: str) -> Callable[[str], str]:
    """The ``_`` of templates in ``locale``."""
    return catalogue(locale if locale in LOCALES else DEFAULT).gettext


def clock_text(time_zone: str | None) -> Callable[[datetime | None, str], str]:
    """The ``when`` of templates: a moment in the reader's zone, with the zone's short name."""
    tz = zone(time_zone)

    def when(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if moment is None:
            return ""
        return moment.astimezone(tz).strftime(f"{fmt} %Z")

    return when
