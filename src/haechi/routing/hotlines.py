"""The country's INHOPE hotline: a small table shipped with haechi, with its source and date.

The table (``data/hotlines.toml``) says where it comes from, when it was compiled and whether
it was checked against the source; every desk taken from it cites that, so a person sees how
old the entry is before writing to it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from haechi.routing.errors import RoutingError

FORMAT = "haechi-hotlines/v1"


@dataclass(frozen=True)
class Hotline:
    """One hotline: the country it serves, its name, its report page and language."""

    country: str
    name: str
    url: str
    language: str


@dataclass(frozen=True)
class HotlineTable:
    """The table with its provenance."""

    source: str
    compiled: str
    checked: bool
    hotlines: dict[str, Hotline]

    @property
    def citation(self) -> str:
        """How a desk from this table names its source."""
        state = "checked" if self.checked else "not re-checked"
        return f"{self.source} (compiled {self.compiled}, {state})"

    def for_country(self, country: str | None) -> Hotline | None:
        """The hotline of ``country``, if the table has one."""
        return self.hotlines.get((country or "").upper())


def parse_hotlines(text: str) -> HotlineTable:
    """Read a hotline table; a malformed one is a :class:`RoutingError`."""
    try:
        data = tomllib.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"format must be {FORMAT}")
        hotlines = {}
        for entry in data.get("hotline", []):
            hotline = Hotline(
                str(entry["country"]).upper(),
                str(entry["name"]),
                str(entry["url"]),
                str(entry.get("language", "en")),
            )
            hotlines[hotline.country] = hotline
        return HotlineTable(
            str(data["source"]), str(data["compiled"]), bool(data["checked"]), hotlines
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise RoutingError(f"hotline table cannot be read: {exc}") from None


@cache
def bundled_hotlines() -> HotlineTable:
    """The table shipped with haechi."""
    path = resources.files("haechi.routing") / "data" / "hotlines.toml"
    return parse_hotlines(path.read_text("utf-8"))
