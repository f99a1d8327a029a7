"""The link map as SVG drawn here: accounts on a circle, cluster by cluster, lines for links.

A line's width grows with the items two accounts share; a forward is dashed. Every node and
line has a hover title (the account and its kind; the two ends and the items), and the table
beside it on the page holds the same facts with their evidence. No script, no layout library:
a circle keeps every node and label readable for the tens of accounts a group follows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

from haechi.tracking.accounts import AccountKind
from haechi.tracking.links import LinkKind, LinkMap

SIZE = 640
RADIUS = 220
KIND_COLOURS = {
    AccountKind.TELEGRAM_CHAT: "#1f6fbf",
    AccountKind.TELEGRAM_USER: "#6fa8dc",
    AccountKind.DISCORD_SERVER: "#4b3b8f",
    AccountKind.DISCORD_CHANNEL: "#7c6cc4",
    AccountKind.DISCORD_USER: "#b4a7e6",
    AccountKind.CHAT_ROOM: "#a45a00",
    AccountKind.CHAT_USER: "#e0a050",
    AccountKind.SITE: "#1c6b1c",
    AccountKind.HOST: "#6bb36b",
    AccountKind.POSTER: "#a40000",
}


def links_svg(links: LinkMap, _: Callable[[str], str]) -> str:
    """The graph as one ``<svg>`` element; accounts in no link are left out."""
    order: list[str] = []
    for cluster in links.clusters:
        order += [a.key for a in cluster.accounts if a.key not in order]
    for link in links.links:
        order += [k for k in (link.a.key, link.b.key) if k not in order]
    by_key = {a.key: a for a in links.accounts}
    centre = SIZE / 2
    place = {}
    for n, key in enumerate(order):
        angle = 2 * math.pi * n / max(len(order), 1) - math.pi / 2
        place[key] = (centre + RADIUS * math.cos(angle), centre + RADIUS * math.sin(angle))
    body: list[str] = []
    for link in links.links:
        (x1, y1), (x2, y2) = place[link.a.key], place[link.b.key]
        width = 1.5 + min(len(link.evidence), 10)
        dash = {LinkKind.FORWARDED: ' stroke-dasharray="6 4"',
                LinkKind.SAME_NETWORK: ' stroke-dasharray="1 3"'}.get(link.kind, "")  # fmt: skip
        word = {LinkKind.FORWARDED: _("forwarded"), LinkKind.SAME_NETWORK: _("same network")}.get(
            link.kind, _("shared items")
        )
        count = link.network.network if link.network else str(len(link.evidence))
        tip = f"{link.a.label} — {link.b.label}: {word} {count}"
        body.append(
            f'<line class="link {link.kind.value}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
            f'y2="{y2:.1f}" stroke="#777" stroke-opacity="0.7" stroke-width="{width:.1f}"{dash}>'
            f"<title>{escape(tip)}</title></line>"
        )
    for key in order:
        account, (x, y) = by_key[key], place[key]
        colour = KIND_COLOURS[account.kind]
        body.append(
            f'<circle class="account" data-key="{escape(key)}" cx="{x:.1f}" cy="{y:.1f}" r="9" '
            f'fill="{colour}"><title>{escape(account.label)} ({account.kind.value})</title>'
            "</circle>"
        )
        anchor = "start" if x >= centre else "end"
        dx = 13 if x >= centre else -13
        label = account.label if len(account.label) <= 28 else account.label[:27] + "…"
        body.append(
            f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="11">'
            f"{escape(label)}</text>"
        )
    title = _("Accounts that carried the same content")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="links-chart" role="img" '
        f'viewBox="-160 0 {SIZE + 320} {SIZE}" width="{SIZE + 320}" height="{SIZE}" '
        f'font-family="sans-serif"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )
