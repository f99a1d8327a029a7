"""The public report's charts as PNG too, for journalists' slides and sites that take no SVG:
the same three charts as :mod:`~.charts`, drawn with matplotlib's Agg backend (already a
dependency), in English only (``chart-<name>.en.png``): the default fonts have no Hangul, and
a signed file must come out the same on every machine. A platform whose title is not ASCII is
named by its directory name. A hidden value is written "suppressed", never drawn as zero.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from haechi.transparency.charts import DARK, LIGHT, PALETTE, RED
from haechi.transparency.figures import ALL
from haechi.transparency.report import PublicReport, Row

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_DPI = 100


def _name(row: Row) -> str:
    if row.platform == ALL:
        return "All platforms"
    return row.title if row.title and row.title.isascii() else row.platform


def _png(draw: Callable[[Axes], None], height: float) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure.subplots())
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _rows(report: PublicReport) -> list[Row]:
    return [report.row(p) for p in [*report.platforms, ALL]][::-1]  # first platform on top


def hours_png(report: PublicReport) -> bytes:
    rows = _rows(report)

    def draw(axes: Axes) -> None:
        for j, (measure, colour, label) in enumerate(
            (("p90_hours_to_removal", LIGHT, "90th percentile"),
             ("median_hours_to_removal", DARK, "median"))
        ):  # fmt: skip
            ys = [i + 0.2 * (2 * j - 1) for i in range(len(rows))]
            values = [float(r.values[measure] or 0) for r in rows]
            axes.barh(ys, values, height=0.38, color=colour, label=label)
            for y, r, v in zip(ys, rows, values, strict=True):
                if r.values[measure] is None:
                    why = "suppressed" if measure in r.suppressed else "nothing removed"
                    axes.text(0, y, f" {why}", va="center", fontsize=8)
                else:
                    axes.text(v, y, f" {v:.1f} h", va="center", fontsize=8)
        axes.set_yticks(range(len(rows)), [_name(r) for r in rows])
        axes.set_xlabel("hours")
        axes.set_title("Hours from the first notice to removal")
        axes.legend(loc="lower right")

    return _png(draw, 1.2 + 0.45 * len(rows))


def never_png(report: PublicReport) -> bytes:
    rows = _rows(report)

    def draw(axes: Axes) -> None:
        shares = [float(r.values["never_removed_share"] or 0) * 100 for r in rows]
        axes.barh(range(len(rows)), shares, color=RED)
        for i, (r, share) in enumerate(zip(rows, shares, strict=True)):
            if r.values["never_removed_share"] is None:
                hidden = "never_removed_share" in r.suppressed
                axes.text(0, i, " suppressed" if hidden else " none reported", va="center")
            else:
                axes.text(share, i, f" {share:.0f}%", va="center", fontsize=8)
        axes.set_yticks(range(len(rows)), [_name(r) for r in rows])
        axes.set_xlim(0, 110)
        axes.set_xlabel("% of reported items")
        axes.set_title("Share of reported items never removed")

    return _png(draw, 1.2 + 0.4 * len(rows))


def trend_png(report: PublicReport) -> bytes:
    platforms = report.platforms
    months = list(report.months) or [report.period]

    def draw(axes: Axes) -> None:
        width = 0.8 / max(1, len(platforms))
        for k, p in enumerate(platforms):
            colour = PALETTE[k % len(PALETTE)]
            for g, month in enumerate(months):
                value = report.row(p, month).values["notices_sent"]
                x = g - 0.4 + (k + 0.5) * width
                if value is None:  # hidden: an empty dashed box, never a zero
                    axes.bar(x, 1, width, fill=False, edgecolor=colour, linestyle="--")
                else:
                    axes.bar(x, float(value), width, color=colour)
            axes.bar(0, 0, 0, color=colour, label=_name(report.row(p)))
        axes.bar(0, 0, 0, fill=False, linestyle="--", label="dashed: suppressed")
        axes.set_xticks(range(len(months)), months)
        axes.set_ylabel("notices sent")
        axes.set_title("Notices sent per month")
        columns = max(1, min(4, (len(platforms) + 1 + 5) // 6))
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=columns, fontsize=8)

    return _png(draw, 4.0 + 0.2 * ((len(platforms) + 4) // 4))


PNG_CHARTS: dict[str, Callable[[PublicReport], bytes]] = {
    "hours": hours_png,
    "never-removed": never_png,
    "notices-per-month": trend_png,
}
"""Each chart by the name of its file (``chart-<name>.en.png``), as :data:`~.charts.CHARTS`."""
