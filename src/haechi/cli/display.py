"""Help that reads like a Unix tool's: no Python type names next to options.

Typer 0.2x prints each parameter's Python type in its rich help panel: ``<bool>`` next to
every flag (``--help`` included) and ``<list[Path]>`` next to repeatable arguments. Flags take
no value, so they show none here, and a repeated parameter shows its element followed by
``...``. Older Typer versions print Click's metavars and lack the hook, which is then left
alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_LIST = re.compile(r"<list\[(?P<item>.+)\]>(?:\.\.\.)?")


# Python type names as the words Unix tools (and Click) print for a value.
_WORDS = {
    "str": "TEXT",
    "int": "INTEGER",
    "int range": "INTEGER",
    "float": "NUMBER",
    "float range": "NUMBER",
    "path": "PATH",
    "Path": "PATH",
}


def plain_type(shown: str | None) -> str | None:
    """``<str>`` becomes ``TEXT``, ``<list[Path]>`` becomes ``PATH`` (the name shows ``...``)."""
    if shown is None:
        return None
    match = _LIST.fullmatch(shown)
    if match is not None:
        return _WORDS.get(match["item"], match["item"])
    inner = shown[1:-1] if shown.startswith("<") and shown.endswith(">") else None
    return _WORDS.get(inner, shown) if inner is not None else shown


def _tidy(cls: type[Any]) -> None:
    original: Callable[[Any, Any], str | None] | None = getattr(cls, "display_type_rich", None)
    if original is None or getattr(original, "_haechi", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False):
            return None
        return plain_type(original(self, ctx))

    display_type_rich._haechi = True  # type: ignore[attr-defined]
    cls.display_type_rich = display_type_rich


def tidy_help() -> None:
    """Install the plain display on Typer's option and argument classes (idempotent)."""
    import typer.core

    for name in ("TyperOption", "TyperArgument"):
        cls = getattr(typer.core, name, None)
        if cls is not None:
            _tidy(cls)
