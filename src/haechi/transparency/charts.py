"""The public report's charts, drawn as SVG text on the server (like the team's statistics page,
:mod:`haechi.web.charts`): no script, no font of ours, the reader's language in every label.

Three charts: hours from the first notice to removal per platform (median and 90th
percentile), the share of reported items never removed per platform, and notices sent per
month per platform. A hidden value is drawn as no bar with the word "suppressed", never as a
zero: a reader must not mistake a hidden count for none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from unicodedata import east_asian_width

from haechi.transparency.figures import ALL
from haechi.transparency.report import PublicReport, Row

Translate = Callable[[str], str]

WIDTH = 680
ROW = 36
LEFT = 170
TOP = 36
BAR = 13
LEGEND_LINE = 18
DARK, LIGHT, RED = "#23395d", "#8fa9d6", "#a40000"
PALETTE = ("#23395d", "#c46b00", "#1c6b1c", "#7a2a8c", "#a40000", "#4f6d7a", "#8a6d00")


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-family="sans-serif">{escape(text)}</text>'
    )


def _svg(ident: str, title: str, height: float, body: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{ident}" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}">'
        f"<title>{escape(title)}</title>{_text(0, 16, title, size=14)}{''.join(body)}</svg>"
    )


def _text_width(text: str, size: int = 12) -> float:
    """About how wide ``text`` is drawn: wide (CJK) characters take a full em."""
    return sum(size if east_asian_width(c) in ("W", "F") else 0.6 * size for c in text)


def _legend(items: Sequence[tuple[str, str]], y: float, left: float = LEFT) -> list[str]:
    """Swatches and labels from ``left``, wrapping to a new line (``LEGEND_LINE`` lower)
    before one would run past the chart's right edge; see :func:`_legend_lines`."""
    parts, x = [], float(left)
    for colour, label in items:
        width = 16 + _text_width(label) + 24
        if x > left and x + width > WIDTH - 8:
            x, y = float(left), y + LEGEND_LINE
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, y, label))
        x += width
    return parts


def _legend_lines(items: Sequence[tuple[str, str]], left: float = LEFT) -> int:
    """How many lines :func:`_legend` takes."""
    lines, x = 1, float(left)
    for _colour, label in items:
        width = 16 + _text_width(label) + 24
        if x > left and x + width > WIDTH - 8:
            lines, x = lines + 1, float(left)
        x += width
    return lines


def _name(row: Row, _: Translate) -> str:
    return _("All platforms") if row.platform == ALL else (row.title or row.platform)


def _period_rows(report: PublicReport) -> list[Row]:
    return [report.row(p) for p in [*report.platforms, ALL]]


def hours_chart(report: PublicReport, _: Translate) -> str:
    """Median and 90th-percentile hours to removal, a pair of bars per platform."""
    rows = _period_rows(report)
    times = ("median_hours_to_removal", "p90_hours_to_removal")
    span = max([float(r.values[m] or 0) for r in rows for m in times] + [1.0])
    scale = (WIDTH - LEFT - 80) / span
    body: list[str] = []
    for i, r in enumerate(rows):
        y = TOP + i * ROW
        body.append(_text(LEFT - 8, y + BAR + 2, _name(r, _), "end"))
        for j, (measure, colour) in enumerate(
            (("median_hours_to_removal", DARK), ("p90_hours_to_removal", LIGHT))
        ):
            top = y + j * BAR
            value = r.values[measure]
            if value is None:
                why = _("suppressed") if measure in r.suppressed else _("nothing removed")
                body.append(_text(LEFT + 4, top + BAR - 2, why))
                continue
            width = max(1.0, float(value) * scale)
            body.append(
                f'<rect class="bar" x="{LEFT}" y="{top}" width="{width:.1f}" '
                f'height="{BAR - 1}" fill="{colour}" data-hours="{float(value):.2f}"/>'
            )
            body.append(_text(LEFT + width + 4, top + BAR - 2, f"{float(value):.1f} h"))
    height = TOP + len(rows) * ROW + 24
    body += _legend([(DARK, _("median")), (LIGHT, _("90th percentile"))], height - 6)
    return _svg("chart-hours", _("Hours from the first notice to removal"), height, body)


def never_chart(report: PublicReport, _: Translate) -> str:
    """The share of reported items never removed, a bar per platform."""
    rows = _period_rows(report)
    full = WIDTH - LEFT - 80
    body: list[str] = []
    for i, r in enumerate(rows):
        y = TOP + i * ROW
        body.append(_text(LEFT - 8, y + BAR + 2, _name(r, _), "end"))
        share = r.values["never_removed_share"]
        if share is None:
            why = _("suppressed") if "never_removed_share" in r.suppressed else _("none reported")
            body.append(_text(LEFT + 4, y + BAR + 2, why))
            continue
        width = float(share) * full
        body.append(
            f'<rect class="never" x="{LEFT}" y="{y}" width="{width:.1f}" '
            f'height="{2 * BAR - 2}" fill="{RED}" data-share="{float(share):.4f}"/>'
        )
        body.append(_text(LEFT + width + 6, y + BAR + 2, f"{100 * float(share):.0f}%"))
    height = TOP + len(rows) * ROW + 10
    return _svg("chart-never", _("Share of reported items never removed"), height, body)


def trend_chart(report: PublicReport, _: Translate) -> str:
    """Notices sent per month, one bar per platform in each month's group."""
    platforms = report.platforms
    months = list(report.months) or [report.period]
    values = [[report.row(p, m).values["notices_sent"] for p in platforms] for m in months]
    span = max([float(v or 0) for group in values for v in group] + [1.0])
    plot_h, base = 180.0, TOP + 200.0
    group_w = (WIDTH - 60) / max(1, len(months))
    bar_w = max(2.0, (group_w - 16) / max(1, len(platforms)))
    body: list[str] = [
        f'<line x1="40" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="#555"/>',
        _text(36, base - plot_h + 4, f"{span:.0f}", "end"),
        _text(36, base, "0", "end"),
    ]
    for g, (month, group) in enumerate(zip(months, values, strict=True)):
        x0 = 48 + g * group_w
        body.append(_text(x0 + group_w / 2 - 8, base + 16, month, "middle"))
        for k, value in enumerate(group):
            x = x0 + k * bar_w
            colour = PALETTE[k % len(PALETTE)]
            if value is None:
                body.append(
                    f'<rect class="hidden" x="{x:.1f}" y="{base - 8:.1f}" width="{bar_w - 2:.1f}" '
                    f'height="8" fill="none" stroke="{colour}" stroke-dasharray="2,2"/>'
                )
                continue
            h = float(value) / span * plot_h
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}" fill="{colour}" data-count="{value}"/>'
            )
    names = [report.row(p).title or p for p in platforms]
    legend_y = base + 40
    items = [(PALETTE[k % len(PALETTE)], n) for k, n in enumerate(names)]
    items.append(("none", _("dashed: suppressed")))
    body += _legend(items, legend_y, 40)  # many platforms: the legend wraps under the months
    height = legend_y + 16 + (_legend_lines(items, 40) - 1) * LEGEND_LINE
    return _svg("chart-trend", _("Notices sent per month"), height, body)


CHARTS: dict[str, Callable[[PublicReport, Translate], str]] = {
    "hours": hours_chart,
    "never-removed": never_chart,
    "notices-per-month": trend_chart,
}
"""Each chart by the name of its file (``chart-<name>.<lang>.svg``)."""
