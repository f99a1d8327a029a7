"""The public report's files: the page in Korean and in English (``report.ko.html``,
``report.en.html``, each whole in one language with a link to the other, since a journalist
quotes one language), the charts as SVG files in each language (and as PNG in English),
``figures.csv`` for spreadsheets and ``report.json``.

Every text comes from the team server's gettext catalogues (the templates under
``web/templates/transparency`` and the ``_`` given to the charts), so the public page and the
files say the same thing in the same words.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from haechi.csv_cells import write_csv
from haechi.transparency.charts import CHARTS
from haechi.transparency.figures import ALL
from haechi.transparency.png import PNG_CHARTS
from haechi.transparency.report import MEASURES, PublicReport

LANGUAGES = (("ko", "한국어"), ("en", "English"))
SUPPRESSED = "suppressed"
CSV_COLUMNS = ("period", "platform", "title", *MEASURES)


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d")


def context(report: PublicReport, locale: str) -> dict[str, Any]:
    """What the report's templates need, in ``locale``: texts, dates, charts."""
    from haechi.web.i18n import translator

    _ = translator(locale)
    zone = ZoneInfo(report.time_zone)
    return {
        "_": _,
        "locale": locale,
        "report": report,
        "languages": LANGUAGES,
        "start_day": _day(report.start, zone),
        "end_day": _day(report.end - timedelta(microseconds=1), zone),
        "as_of_text": report.as_of.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
        "charts": {name: Markup(draw(report, _)) for name, draw in CHARTS.items()},
    }


def body(report: PublicReport, locale: str) -> Markup:
    """The report's body (tables, charts, method) for the public page."""
    from haechi.web.pages import templates

    template = templates.env.get_template("transparency/_body.html")
    return Markup(template.render(context(report, locale)))


def page_file(report: PublicReport, locale: str) -> str:
    """``report.<locale>.html``: one page on its own, styles inside, no script."""
    from haechi.web.pages import templates

    return templates.env.get_template("transparency/file.html").render(context(report, locale))


def _cell(row_values: dict[str, Any], suppressed: tuple[str, ...], measure: str) -> Any:
    if measure in suppressed:
        return SUPPRESSED
    value = row_values[measure]
    if value is None:
        return ""
    return round(value, 4) if isinstance(value, float) else value


def figures_csv(report: PublicReport) -> str:
    """Every row (platforms and all platforms, each month and the period) as CSV; a hidden
    cell says ``suppressed``, a time that cannot be known is empty."""
    rows = [
        {
            "period": r.column,
            "platform": "all" if r.platform == ALL else r.platform,
            "title": "" if r.platform == ALL else r.title,
            **{m: _cell(r.values, r.suppressed, m) for m in MEASURES},
        }
        for r in report.rows
    ]
    return write_csv(CSV_COLUMNS, rows)


def report_files(report: PublicReport) -> dict[str, bytes]:
    """Every file of the report by name (``manifest.json`` is added when it is signed)."""
    from haechi.web.i18n import translator

    files: dict[str, bytes] = {}
    for locale, _label in LANGUAGES:
        files[f"report.{locale}.html"] = page_file(report, locale).encode("utf-8")
        _ = translator(locale)
        for name, draw in CHARTS.items():
            files[f"chart-{name}.{locale}.svg"] = draw(report, _).encode("utf-8")
    for name, draw_png in PNG_CHARTS.items():  # English only: see haechi.transparency.png
        files[f"chart-{name}.en.png"] = draw_png(report)
    files["figures.csv"] = ("\ufeff" + figures_csv(report)).encode("utf-8")
    files["report.json"] = (
        json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")
    return files
