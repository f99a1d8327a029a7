"""Statistics charts as SVG drawn on the server and put in the page: no script, no image
request, text in the reader's language (the browser's fonts draw Hangul, which matplotlib's
default fonts cannot).

Two charts per platform: hours from the first notice to removal (median and 90th
percentile, side by side), and the share of reported items removed and never removed.
Every value is also in the table beside the charts and in the CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from haechi.notices.stats import PlatformStats

WIDTH = 640
ROW = 34  # height of one platform's row
LEFT = 150  # room for platform names
TOP = 34
BAR = 12
MEDIAN, P90, REMOVED, NEVER = "#23395d", "#8fa9d6", "#1c6b1c", "#a40000"


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "") -> str:
    extra = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12"{extra}>'
        f"{escape(text)}</text>"
    )


def _legend(items: Sequence[tuple[str, str]], y: float) -> list[str]:
    parts, x = [], LEFT
    for colour, label in items:
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, y, label))
        x += 24 + 8 * len(label) + 20
    return parts


def _frame(title: str, height: float, body: list[str], ident: str) -> Markup:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{ident}" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}">'
        f"<title>{escape(title)}</title>"
        f"{_text(0, 14, title, cls='chart-title')}{''.join(body)}</svg>"
    )
    return Markup(svg)


def hours_chart(stats: Sequence[PlatformStats], _: Callable[[str], str]) -> Markup:
    """Median and 90th-percentile hours to removal, one pair of bars per platform."""
    span = max([s.p90_hours or 0 for s in stats] + [s.median_hours or 0 for s in stats] + [1])
    scale = (WIDTH - LEFT - 70) / span
    body: list[str] = []
    for i, s in enumerate(stats):
        y = TOP + i * ROW
        body.append(_text(LEFT - 8, y + BAR + 2, s.platform, "end"))
        for j, (value, colour) in enumerate(((s.median_hours, MEDIAN), (s.p90_hours, P90))):
            top = y + j * BAR
            if value is None:
                body.append(_text(LEFT + 4, top + BAR - 2, _("not removed yet")))
                continue
            width = max(1.0, value * scale)
            body.append(
                f'<rect class="bar" x="{LEFT}" y="{top}" width="{width:.1f}" height="{BAR - 1}" '
                f'fill="{colour}" data-hours="{value:.2f}"/>'
            )
            body.append(_text(LEFT + width + 4, top + BAR - 2, f"{value:.1f} h"))
    height = TOP + len(stats) * ROW + 20
    body += _legend([(MEDIAN, _("median")), (P90, _("90th percentile"))], height - 4)
    return _frame(_("Hours from the first notice to removal"), height, body, "chart-hours")


def share_chart(stats: Sequence[PlatformStats], _: Callable[[str], str]) -> Markup:
    """The share of reported items removed and never removed, one stacked bar per platform."""
    full = WIDTH - LEFT - 70
    body: list[str] = []
    for i, s in enumerate(stats):
        y = TOP + i * ROW
        body.append(_text(LEFT - 8, y + BAR + 2, s.platform, "end"))
        never = s.never_removed_share or 0.0
        gone = 1.0 - never if s.items_reported else 0.0
        body.append(
            f'<rect class="removed" x="{LEFT}" y="{y}" width="{gone * full:.1f}" '
            f'height="{2 * BAR - 2}" fill="{REMOVED}"/>'
        )
        body.append(
            f'<rect class="never" x="{LEFT + gone * full:.1f}" y="{y}" '
            f'width="{never * full:.1f}" height="{2 * BAR - 2}" fill="{NEVER}"/>'
        )
        label = f"{s.items_removed}/{s.items_reported}"
        body.append(_text(LEFT + full + 6, y + BAR + 2, label))
    height = TOP + len(stats) * ROW + 20
    body += _legend([(REMOVED, _("removed")), (NEVER, _("never removed"))], height - 4)
    return _frame(_("Share of reported items"), height, body, "chart-share")
