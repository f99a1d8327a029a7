"""The public report's content: per platform and for all platforms, the period's figures and
each month's, with small cells hidden (:mod:`haechi.transparency.suppression`).

What it holds is safe by construction: platform names and titles, counts, hours and shares,
the period and the rule; never a URL, a case, a bank label or a person, because none is ever
read into it. A hidden count is ``None`` with its measure listed in ``suppressed``; a time
that cannot be known (nothing removed) is ``None`` without it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from haechi.store import transparency as queries
from haechi.transparency.figures import ALL, COUNTS, RawFigures, window_figures
from haechi.transparency.period import Period
from haechi.transparency.suppression import Relation, check_threshold, suppress

FORMAT = "haechi-transparency/v1"
TIMES = ("median_hours_to_removal", "p90_hours_to_removal")
SHARE = "never_removed_share"
MEASURES = (*COUNTS, *TIMES, SHARE)
"""Every column of a row, in the order of the tables and the CSV."""


@dataclass(frozen=True)
class Row:
    """One platform (or :data:`ALL`) in one column (a month, or the whole period)."""

    platform: str
    title: str
    column: str
    values: dict[str, float | int | None]
    suppressed: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "platform": self.platform,
            "title": self.title,
            "period": self.column,
            **self.values,
            "suppressed": list(self.suppressed),
        }


@dataclass(frozen=True)
class PublicReport:
    """A period's public figures, ready to render."""

    period: str
    time_zone: str
    start: datetime
    end: datetime
    as_of: datetime
    threshold: int
    organisation: str
    months: tuple[str, ...]
    rows: tuple[Row, ...]

    def row(self, platform: str, column: str | None = None) -> Row:
        """The row of ``platform`` (or :data:`ALL`) in ``column`` (the period by default)."""
        wanted = column or self.period
        return next(r for r in self.rows if r.platform == platform and r.column == wanted)

    @property
    def platforms(self) -> list[str]:
        """The platforms reported on, by name, without :data:`ALL`."""
        return [r.platform for r in self.rows if r.column == self.period and r.platform != ALL]

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form (``report.json``, and what the server stores)."""
        return {
            "format": FORMAT,
            "period": self.period,
            "time_zone": self.time_zone,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "threshold": self.threshold,
            "organisation": self.organisation,
            "months": list(self.months),
            "rows": [r.as_json() for r in self.rows],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublicReport:
        """A report read back from :meth:`as_json`."""
        rows = tuple(
            Row(
                r["platform"],
                r["title"],
                r["period"],
                {m: r[m] for m in MEASURES},
                tuple(r["suppressed"]),
            )
            for r in data["rows"]
        )
        return cls(
            data["period"],
            data["time_zone"],
            datetime.fromisoformat(data["start"]),
            datetime.fromisoformat(data["end"]),
            datetime.fromisoformat(data["as_of"]),
            int(data["threshold"]),
            data["organisation"],
            tuple(data["months"]),
            rows,
        )


def relations(platforms: list[str], columns: list[str], period: str) -> list[Relation]:
    """The sums that tie a report's counts (cell keys ``(measure, platform, column)``)."""
    months = [c for c in columns if c != period]
    out = []
    for m in COUNTS:
        for p in [*platforms, ALL] if months else []:
            out.append(Relation(tuple((m, p, c) for c in months), (m, p, period)))
        for c in columns:
            out.append(Relation(tuple((m, p, c) for p in platforms), (m, ALL, c)))
    for p in [*platforms, ALL]:
        for c in columns:
            parts = (("items_removed", p, c), ("never_removed", p, c))
            out.append(Relation(parts, ("items_reported", p, c)))
    return out


def _row(raw: RawFigures, title: str, column: str, hidden: set[Hashable], threshold: int) -> Row:
    values: dict[str, float | int | None] = {}
    suppressed = []
    for m in COUNTS:
        if (m, raw.platform, column) in hidden:
            values[m] = None
            suppressed.append(m)
        else:
            values[m] = raw.counts[m]
    few = raw.counts["items_removed"] < threshold  # a median of few items describes each
    values["median_hours_to_removal"] = None if few else raw.median_hours
    values["p90_hours_to_removal"] = None if few else raw.p90_hours
    if few and raw.hours:
        suppressed += list(TIMES)
    parts = ("items_reported", "items_removed", "never_removed")
    if any(p in suppressed for p in parts):
        values[SHARE] = None  # with the count reported, the share would give the hidden ones
        suppressed.append(SHARE)
    elif raw.counts["items_reported"]:
        values[SHARE] = raw.counts["never_removed"] / raw.counts["items_reported"]
    else:
        values[SHARE] = None
    return Row(raw.platform, title, column, values, tuple(suppressed))


def scrubber(session: Session) -> Callable[[str], str]:
    """Free text of the report (platform titles, the organisation's name) as it may go out:
    through the redaction every outgoing document takes (:mod:`haechi.redaction`), with every
    case's personal data as terms, since a public report is about no one case."""
    from haechi.redaction import redact_text
    from haechi.redaction.cases import all_terms

    terms = all_terms(session)
    return lambda text: redact_text(text, terms).text


def build_report(
    session: Session,
    period: Period,
    as_of: datetime,
    threshold: int,
    organisation: str,
) -> PublicReport:
    """The public report of ``period``, as known at ``as_of``."""
    check_threshold(threshold)
    whole = period.window.clipped(as_of)
    totals = window_figures(session, whole, as_of)
    platforms = [p for p in totals if p != ALL]
    by_column: dict[str, dict[str, RawFigures]] = {period.name: totals}
    months = period.months if len(period.months) > 1 else ()  # a month has no months to show
    for month in months:
        by_column[month.name] = window_figures(session, month.clipped(as_of), as_of, platforms)
    columns = [m.name for m in months] + [period.name]
    values: dict[Hashable, int] = {
        (m, p, c): figures.counts[m]
        for c, table in by_column.items()
        for p, figures in table.items()
        for m in COUNTS
    }
    hidden = suppress(values, relations(platforms, columns, period.name), threshold)
    scrub = scrubber(session)
    titles = {name: scrub(title) for name, title in queries.platform_titles(session).items()}
    rows = [
        _row(by_column[c][p], titles.get(p, p) if p != ALL else "", c, hidden, threshold)
        for c in columns
        for p in [*platforms, ALL]
    ]
    return PublicReport(
        period.name,
        period.time_zone,
        whole.start,
        whole.end,
        as_of,
        threshold,
        scrub(organisation),
        tuple(m.name for m in months),
        tuple(rows),
    )
