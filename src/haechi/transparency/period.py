"""The period a public report covers: a year (``2026``), a quarter (``2026-Q4``) or a month
(``2026-11``), with its months, in the organisation's time zone.

A Korean group's "fourth quarter" starts at midnight in Seoul, not in London, so the bounds
are local midnights turned into UTC instants for the queries. Intervals are half-open
``[start, end)``: an instant belongs to exactly one month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from haechi.transparency.errors import PeriodError

DEFAULT_ZONE = "Asia/Seoul"
_FORMS = re.compile(
    r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$", re.IGNORECASE
)


@dataclass(frozen=True)
class Window:
    """A half-open interval of time ``[start, end)`` in UTC, named for people (``2026-11``)."""

    name: str
    start: datetime
    end: datetime

    def clipped(self, now: datetime) -> Window:
        """This window ending no later than ``now`` (a report made before the period ended)."""
        return Window(self.name, self.start, min(self.end, max(self.start, now)))


@dataclass(frozen=True)
class Period:
    """A year, a quarter or a month, and its months."""

    name: str
    months: tuple[Window, ...]
    time_zone: str

    @property
    def window(self) -> Window:
        """The whole period."""
        return Window(self.name, self.months[0].start, self.months[-1].end)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PeriodError(f"unknown time zone {name!r} (an IANA name such as Asia/Seoul)") from None


def _month(year: int, month: int, zone: ZoneInfo) -> Window:
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return Window(f"{year:04d}-{month:02d}", start.astimezone(UTC), end.astimezone(UTC))


def parse_period(text: str, time_zone: str = DEFAULT_ZONE) -> Period:
    """``2026``, ``2026-Q4`` or ``2026-11`` as a :class:`Period` in ``time_zone``."""
    found = _FORMS.match(text.strip())
    if found is None:
        raise PeriodError(
            f"period {text!r} is not a year (2026), a quarter (2026-Q4) or a month (2026-11)"
        )
    zone = _zone(time_zone)
    year = int(found["year"])
    if year < 2000:
        raise PeriodError(f"period {text!r}: haechi holds nothing from before 2000")
    if found["quarter"]:
        first = 3 * (int(found["quarter"]) - 1) + 1
        months = range(first, first + 3)
    elif found["month"]:
        months = range(int(found["month"]), int(found["month"]) + 1)
    else:
        months = range(1, 13)
    windows = tuple(_month(year, m, zone) for m in months)
    return Period(text.strip().upper(), windows, time_zone)
