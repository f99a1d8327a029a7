"""How the demo shows what happened: headings, tables and the received e-mail, for a new user.

Only presentation lives here; every figure shown comes from what the service functions
returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from haechi.notices.model import Recheck
from haechi.notices.stats import PlatformStats
from haechi.scan.model import Hit

MAIL_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "X-Haechi-Notice")
HEAD_LINES = 12
ENGLISH_LINES = 10
ENGLISH = re.compile(r"-+ ?English ?-+")  # where a bilingual notice's English part starts


def step(out: Console, number: int, title: str, korean: str) -> None:
    """A numbered heading."""
    out.print()
    out.print(f"[bold cyan]{number}. {title}[/] · {korean}")


def say(out: Console, text: str) -> None:
    """One indented paragraph of explanation (rich markup allowed), wrapped indented."""
    out.print(Padding(Text.from_markup(text), (0, 0, 0, 3), expand=False))


def block(out: Console, renderable: RenderableType) -> None:
    """A table or panel, indented like the explanations."""
    out.print(Padding(renderable, (0, 0, 0, 3), expand=False))


def url_path(url: str) -> str:
    """The path of a URL on the demo's board (its host and port are shown once, above)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def match_text(hit: Hit) -> str:
    """How a hit matched, in a few words."""
    return f"{hit.signal_kind} {hit.distance}"


def folder_grid(
    photos: Sequence[str],
    changes: Sequence[str],
    found: Mapping[tuple[str, str], Hit | None],
) -> Table:
    """One row per change, one column per photo: found (and how) or missed."""
    table = Table("change", *photos, box=None, padding=(0, 2, 0, 0), pad_edge=False)
    for change in changes:
        cells = []
        for photo in photos:
            hit = found.get((photo, change))
            cells.append(f"[green]found[/] {match_text(hit)}" if hit else "[red]missed[/]")
        table.add_row(change, *cells)
    return table


def web_hits(hits: Sequence[Hit], captures: Mapping[int, str]) -> Table:
    """The hits of the site scan with the evidence sealed for each."""
    table = Table("hit", "picture", "on page", "match", "evidence", box=None, pad_edge=False)
    for hit in hits:
        table.add_row(
            str(hit.id),
            url_path(hit.location),
            url_path(hit.found_in) if hit.found_in else "",
            match_text(hit),
            captures.get(hit.id, "[red]none[/]"),
        )
    return table


def excerpt(lines: Sequence[str]) -> tuple[list[str], int]:
    """The start of a notice's text, and of its English part if it has one after; and how
    many lines were left out."""
    shown = list(lines[:HEAD_LINES])
    english = next((i for i, line in enumerate(lines) if ENGLISH.fullmatch(line.strip())), None)
    if english is not None and english >= HEAD_LINES:
        shown += ["…", *lines[english : english + ENGLISH_LINES]]
    left_out = len(lines) - len([line for line in shown if line != "…"])
    return shown, left_out


def message_panel(path: Path, message: EmailMessage) -> Panel:
    """The received e-mail: its main headers and the start of its body."""
    head = Text()
    for name in MAIL_HEADERS:
        value = message.get(name)
        if value is not None:
            head.append(f"{name}: ", style="bold")
            head.append(f"{str(value).strip()}\n")
    part = message.get_body(("plain",))
    body = part.get_content() if isinstance(part, EmailMessage) else ""
    shown, left_out = excerpt(str(body).splitlines())
    tail = Text(f"\n… {left_out} more lines in {path}", style="dim") if left_out else Text()
    return Panel(
        Group(head, Text("\n".join(shown)), tail),
        title=f"received by the demo mail server ({path.name})",
        title_align="left",
    )


def recheck_table(checks: Sequence[Recheck]) -> Table:
    """What each re-check found."""
    table = Table("hit", "picture", "outcome", "why", box=None, pad_edge=False)
    for check in checks:
        colour = "green" if check.outcome.value == "removed" else "yellow"
        table.add_row(
            str(check.hit_id),
            url_path(check.url),
            f"[{colour}]{check.outcome.value}[/]",
            check.detail,
        )
    return table


def files_table(files: Mapping[str, str]) -> Table:
    """The files of a police package with the start of their SHA-256, and the list of them."""
    table = Table("file", "sha256", box=None, pad_edge=False)
    for name, digest in files.items():
        table.add_row(name, f"{digest[:16]}…")
    table.add_row("SHA256SUMS", "the digests of the files above")
    return table


def stats_table(figures: Sequence[PlatformStats]) -> Table:
    """Per platform: notices, items, removals, hours to removal, re-uploads."""
    table = Table(
        "platform",
        "notices",
        "items",
        "removed",
        "median h",
        "never",
        "re-uploads",
        box=None,
        pad_edge=False,
    )
    for s in figures:
        share = s.never_removed_share
        table.add_row(
            s.platform,
            str(s.notices_sent),
            str(s.items_reported),
            str(s.items_removed),
            f"{s.median_hours:.1f}" if s.median_hours is not None else "-",
            f"{share:.0%}" if share is not None else "-",
            str(s.reuploads),
        )
    return table
