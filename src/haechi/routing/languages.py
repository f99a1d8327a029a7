"""The language to write to a desk in: the platform's own, else its country's, else English.

Only the language is chosen here; whether a notice can be written in it is the renderer's
business (:mod:`haechi.notices.phrasebook`), which falls back to English.
"""

from __future__ import annotations

_SPANISH = [
    *("ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "GT", "CU"),
    *("BO", "DO", "HN", "PY", "SV", "NI", "CR", "PA", "UY", "GQ"),
]
_RUSSIAN = ["RU", "BY", "KZ", "KG"]

COUNTRY_LANGUAGE: dict[str, str] = {
    "KR": "ko",
    "JP": "ja",
    "CN": "zh-Hans",
    **{c: "ru" for c in _RUSSIAN},
    **{c: "es" for c in _SPANISH},
}


def language_for(country: str | None, platform_language: str | None = None) -> str:
    """A platform's language when the directory has one, else the country's, else ``en``."""
    if platform_language:
        return platform_language
    return COUNTRY_LANGUAGE.get((country or "").upper(), "en")
