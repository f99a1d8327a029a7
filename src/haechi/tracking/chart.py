"""The timeline as SVG drawn here: one lane per sighting, grouped by platform, time across.

A lane runs from when the copy was up to its removal (to the chart's end while it is still
up); marks show first seen / seen again, captured, reported and removed, each with a hover
title saying what, when and where. The same SVG goes into the web page (no script) and into
``haechi timeline --svg``. Texts are passed in translated; times are shown by ``when``
(the reader's zone on the web, UTC on the command line).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape

from haechi.tracking.timeline import Event, EventKind, Timeline

WIDTH = 860
LEFT = 230  # room for the lane labels
RIGHT = 20
TOP = 44
LANE = 22
PALETTE = ("#23395d", "#1c6b1c", "#a45a00", "#6b1c6b", "#00606b", "#7a1f1f", "#4d4d00")
MARKS = {
    EventKind.FIRST_SEEN: "#000000",
    EventKind.SEEN_AGAIN: "#555555",
    EventKind.CAPTURED: "#1f5fbf",
    EventKind.REPORTED: "#c07000",
    EventKind.REMOVED: "#b00000",
}

WORDS = {
    EventKind.FIRST_SEEN: "first seen",
    EventKind.SEEN_AGAIN: "seen again",
    EventKind.CAPTURED: "captured",
    EventKind.REPORTED: "reported",
    EventKind.REMOVED: "removed",
}
"""How people read each event (the web marks these for translation)."""

Words = Callable[[str], str]
When = Callable[[datetime], str]


def platform_colours(timeline: Timeline) -> dict[str | None, str]:
    """A colour per platform, in the order first met; unknown platforms grey."""
    colours: dict[str | None, str] = {None: "#8a8a8a"}
    for n, name in enumerate(timeline.platforms):
        colours[name] = PALETTE[n % len(PALETTE)]
    return colours


def span(timeline: Timeline, now: datetime) -> tuple[datetime, datetime]:
    """The time range drawn: the first event to the last (or now), padded a little."""
    times = [e.at for e in timeline.events] or [now]
    start, end = min(times), max([*times, min(now, max(times) + timedelta(days=1))])
    pad = max((end - start) * 0.03, timedelta(minutes=30))
    return start - pad, end + pad


def _mark(kind: EventKind, x: float, y: float, title: str) -> str:
    colour = MARKS[kind]
    tip = f"<title>{escape(title)}</title>"
    cls = f'class="mark {kind.value}"'
    if kind is EventKind.CAPTURED:
        points = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y:.1f} {x:.1f},{y + 6:.1f} {x - 6:.1f},{y:.1f}"
        return f'<polygon {cls} points="{points}" fill="{colour}">{tip}</polygon>'
    if kind is EventKind.REPORTED:
        points = f"{x:.1f},{y - 6:.1f} {x + 6:.1f},{y + 5:.1f} {x - 6:.1f},{y + 5:.1f}"
        return f'<polygon {cls} points="{points}" fill="{colour}">{tip}</polygon>'
    if kind is EventKind.REMOVED:
        a, b, c, d = x - 5, x + 5, y - 5, y + 5
        path = f"M{a:.1f},{c:.1f}L{b:.1f},{d:.1f}M{b:.1f},{c:.1f}L{a:.1f},{d:.1f}"
        return f'<path {cls} d="{path}" stroke="{colour}" stroke-width="3">{tip}</path>'
    fill = colour if kind is EventKind.FIRST_SEEN else "#ffffff"
    return (
        f'<circle {cls} cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{fill}" stroke="{colour}" '
        f'stroke-width="2">{tip}</circle>'
    )


def event_title(event: Event, when: When, _: Words) -> str:
    """What a mark's hover title says."""
    where = event.platform or _("unknown platform")
    if event.country:
        where += f" ({event.country})"
    text = f"{when(event.at)} · {_(WORDS[event.kind])} · #{event.hit_id} · {where} · {event.detail}"
    if event.after_removal:
        text += f" · {_('after a removal')}"
    return text


def timeline_svg(timeline: Timeline, now: datetime, when: When, _: Words) -> str:
    """The chart as one ``<svg>`` element (UTF-8 text, safe to put in a page)."""
    colours = platform_colours(timeline)
    start, end = span(timeline, now)
    scale = (WIDTH - LEFT - RIGHT) / max((end - start).total_seconds(), 1.0)

    def x_of(at: datetime) -> float:
        return LEFT + (at - start).total_seconds() * scale

    lanes = sorted(
        timeline.sightings,
        key=lambda s: (timeline.platforms.index(s.platform) if s.platform else 99, s.seen_at),
    )
    body: list[str] = []
    height = TOP + LANE * max(len(lanes), 1) + 46
    for n in range(6):  # time ticks
        at = start + (end - start) * n / 5
        x = x_of(at)
        body.append(
            f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{height - 40}" stroke="#ddd"/>'
        )
        anchor = "start" if n == 0 else "end" if n == 5 else "middle"
        body.append(_text(x, height - 26, when(at), anchor, 10))
    for n, s in enumerate(lanes):
        y = TOP + n * LANE + LANE / 2
        colour = colours[s.platform]
        label = f"#{s.hit_id} {s.platform or _('unknown platform')}"
        if s.country:
            label += f" ({s.country})"
        body.append(_text(LEFT - 8, y + 4, label, "end", 11))
        stop = s.removal.at if s.removal else end
        dash = "" if s.removal else ' stroke-dasharray="6 4"'
        body.append(
            f'<line class="lane" data-hit="{s.hit_id}" x1="{x_of(s.seen_at):.1f}" y1="{y:.1f}" '
            f'x2="{x_of(stop):.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="6" '
            f'stroke-opacity="0.45"{dash}/>'
        )
        for event in timeline.events:
            if event.hit_id == s.hit_id:
                body.append(_mark(event.kind, x_of(event.at), y, event_title(event, when, _)))
    legend_x = LEFT
    for kind in EventKind:
        body.append(_mark(kind, legend_x + 6, height - 8, _(WORDS[kind])))
        body.append(_text(legend_x + 16, height - 4, _(WORDS[kind]), "start", 11))
        legend_x += 26 + 7 * len(_(WORDS[kind]))
    title = _("Where it was seen, and what was done")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="timeline-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="sans-serif"><title>{escape(title)}</title>'
        f"{_text(0, 16, title, 'start', 14)}{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str, size: int) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}">'
        f"{escape(text)}</text>"
    )
