"""Charts of the response statistics, as PNG and SVG, drawn with matplotlib's Agg backend.

Figures are built with the object API (no pyplot, no global state, no display) so they are
safe in a server or a test. Platforms are labelled by their short ASCII names: the default
fonts have no Hangul, and a missing glyph would be a warning (an error in the tests).
SVG output is made reproducible: a fixed hash salt and no date in the metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from haechi.notices.stats import PlatformStats

FORMATS = ("png", "svg")


def stats_figure(stats: Sequence[PlatformStats]) -> Figure:
    """Two panels: hours to removal (median, 90th percentile), and share removed / not."""
    figure = Figure(figsize=(9, 4), layout="constrained")
    FigureCanvasAgg(figure)
    names = [s.platform for s in stats]
    xs = list(range(len(stats)))
    left, right = figure.subplots(1, 2)
    width = 0.38
    left.bar(
        [x - width / 2 for x in xs], [s.median_hours or 0 for s in stats], width, label="median"
    )
    left.bar([x + width / 2 for x in xs], [s.p90_hours or 0 for s in stats], width, label="p90")
    left.set_title("Hours from first notice to removal")
    left.set_ylabel("hours")
    left.set_xticks(xs, names, rotation=20, ha="right")
    left.legend()
    removed = [1 - (s.never_removed_share or 0) if s.items_reported else 0 for s in stats]
    never = [s.never_removed_share or 0 for s in stats]
    right.bar(xs, removed, label="removed", color="tab:green")
    right.bar(xs, never, bottom=removed, label="never removed", color="tab:red")
    for x, s in zip(xs, stats, strict=True):
        right.text(x, 1.02, f"{s.notices_sent} sent", ha="center", fontsize=8)
    right.set_ylim(0, 1.12)
    right.set_title("Share of reported items")
    right.set_xticks(xs, names, rotation=20, ha="right")
    right.legend(loc="lower right")
    return figure


def write_charts(
    stats: Sequence[PlatformStats], out_dir: Path, formats: Sequence[str] = FORMATS
) -> list[Path]:
    """Write ``notice-stats.<format>`` for each format; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    figure = stats_figure(stats)
    paths = []
    with matplotlib.rc_context({"svg.hashsalt": "haechi", "svg.fonttype": "path"}):
        for fmt in formats:
            path = out_dir / f"notice-stats.{fmt}"
            metadata = {"Date": None} if fmt == "svg" else {"Software": "haechi"}
            figure.savefig(path, format=fmt, metadata=metadata)
            paths.append(path)
    return paths
