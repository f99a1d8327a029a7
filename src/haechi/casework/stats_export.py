"""Response statistics as CSV, one row per platform, with the keys of the JSON form
(through :mod:`haechi.csv_cells`, like every CSV haechi writes)."""

from __future__ import annotations

from collections.abc import Sequence

from haechi.csv_cells import write_csv
from haechi.notices.stats import PlatformStats

COLUMNS = (
    "platform",
    "notices_sent",
    "items_reported",
    "items_removed",
    "median_hours_to_removal",
    "p90_hours_to_removal",
    "never_removed_share",
    "reuploads_after_removal",
)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 3)
    return value


def stats_csv(stats: Sequence[PlatformStats]) -> str:
    """The figures as CSV text; an empty value is a figure that cannot be known yet."""
    rows = [{c: _cell(s.as_json()[c]) for c in COLUMNS} for s in stats]
    return write_csv(COLUMNS, rows)
