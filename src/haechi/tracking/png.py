"""The timeline as PNG, drawn with matplotlib's Agg backend (already a dependency for the
statistics charts): the lanes and marks of :mod:`haechi.tracking.chart`, with no hover.

Labels are the ASCII platform names and hit ids (the default fonts have no Hangul, and a
missing glyph would be a warning).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from haechi.tracking.chart import MARKS, WORDS, platform_colours, span
from haechi.tracking.timeline import EventKind, Timeline

_SHAPES = {
    EventKind.FIRST_SEEN: "o",
    EventKind.SEEN_AGAIN: "o",
    EventKind.CAPTURED: "D",
    EventKind.REPORTED: "^",
    EventKind.REMOVED: "X",
}


def write_png(timeline: Timeline, now: datetime, path: Path) -> Path:
    """Write the chart to ``path`` and return it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    colours = platform_colours(timeline)
    lanes = sorted(
        timeline.sightings,
        key=lambda s: (timeline.platforms.index(s.platform) if s.platform else 99, s.seen_at),
    )
    figure = Figure(figsize=(10, 1.6 + 0.35 * max(len(lanes), 1)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    start, end = span(timeline, now)

    def num(at: datetime) -> float:  # hours from the chart's start
        return (at - start).total_seconds() / 3600

    for n, s in enumerate(lanes):
        stop = s.removal.at if s.removal else end
        axes.hlines(
            n, num(s.seen_at), num(stop), colors=colours[s.platform], linewidth=6, alpha=0.45,
            linestyles="solid" if s.removal else "dashed",
        )  # fmt: skip
    seen_kinds: set[EventKind] = set()
    row = {s.hit_id: n for n, s in enumerate(lanes)}
    for event in timeline.events:
        first = event.kind not in seen_kinds
        seen_kinds.add(event.kind)
        hollow = event.kind is EventKind.SEEN_AGAIN
        axes.scatter(
            [num(event.at)], [row[event.hit_id]], marker=_SHAPES[event.kind], s=50, zorder=3,
            c="white" if hollow else MARKS[event.kind], edgecolors=MARKS[event.kind],
            label=WORDS[event.kind] if first else None,
        )  # fmt: skip
    axes.set_yticks(
        range(len(lanes)),
        [f"#{s.hit_id} {s.platform or '?'}" + (f" ({s.country})" if s.country else "")
         for s in lanes],
    )  # fmt: skip
    axes.set_ylim(len(lanes) - 0.5, -0.5)
    axes.set_xlim(num(start), num(end))
    ticks = [start + (end - start) * n / 5 for n in range(6)]
    axes.set_xticks([num(at) for at in ticks], [f"{at:%Y-%m-%d %H:%M} UTC" for at in ticks])
    axes.set_title(f"{timeline.subject} {timeline.key}: where it was seen, and what was done")
    axes.grid(axis="x", color="#dddddd")
    if timeline.events:
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=5, frameon=False)
    axes.tick_params(axis="x", labelrotation=20)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=100)
    return path
