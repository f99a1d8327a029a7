"""What every command group shares: settings of the invocation, consoles, error handling.

Commands only parse, call a service function and print. A :class:`~haechi.errors.HaechiError`
becomes a message on stderr and the error's exit code here, in one place. This module imports
nothing heavy: ``haechi --help`` loads every command module, so heavy libraries are imported
inside the commands that use them.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from haechi.errors import HaechiError, StoreError

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table

    from haechi.notices.channels import NoticeChannel
    from haechi.notices.config import NoticeConfig
    from haechi.notices.desk import Desk
    from haechi.notices.model import Channel
    from haechi.settings import Settings
    from haechi.sources.safety import FetchPolicy
    from haechi.store.database import Database

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
# The commands of acting on hits print free text that must not be wrapped (notice bodies).
soft_out = Console(highlight=False, soft_wrap=True)
soft_err = Console(stderr=True, highlight=False, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]
AllowOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-host",
        metavar="HOST",
        help="Fetch this private host/address too (tests, demos); repeatable.",
    ),
]


def command_group(help: str) -> typer.Typer:
    """A group of commands (``haechi bank ...``), with plain help like the main app's."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)


def _now() -> datetime:
    from haechi.store.models import utcnow

    return utcnow()


@dataclass(frozen=True)
class CommandEnv:
    """What the commands need from the main app: settings, notice config and a clock."""

    settings: Settings
    config: NoticeConfig
    clock: Callable[[], datetime] = _now
    fetch_policy: FetchPolicy | None = None  # re-checks; default: allow-list from settings
    channels: Mapping[Channel, NoticeChannel] | None = None  # default: e-mail and web form

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], datetime] = _now) -> CommandEnv:
        """The environment of one invocation, from the app's settings."""
        from haechi.notices.config import NoticeConfig

        return cls(settings, NoticeConfig.from_settings(settings), clock)


EnvFactory = Callable[[], CommandEnv]


def fail(exc: HaechiError) -> typer.Exit:
    """Print ``exc`` for a person and return the exit carrying its code."""
    err.print(f"[bold red]error:[/] {escape(str(exc))}")
    return typer.Exit(exc.exit_code)


def _refused(exc: Exception) -> typer.Exit | None:
    """A value PostgreSQL refuses where SQLite lets it by (an id past 32-bit integers, a NUL
    character, an overlong text) as a message and exit code; ``None`` for anything else."""
    errors = sys.modules.get("sqlalchemy.exc")  # no database touched, no DataError possible
    if errors is None or not isinstance(exc, errors.DataError):
        return None
    reason = str(exc.orig).splitlines()[0] if exc.orig else "a value out of range"
    return fail(StoreError(f"the database refused a value: {reason}"))


def guarded(fn: Callable[[], T]) -> T:
    """Run ``fn``; a :class:`HaechiError` becomes a message on stderr and its exit code."""
    try:
        return fn()
    except HaechiError as exc:
        raise fail(exc) from None
    except Exception as exc:
        if (refused := _refused(exc)) is None:
            raise
        raise refused from None


def guard(fn: F) -> F:
    """Decorate a command so that a :class:`HaechiError` becomes a message and its exit code."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except HaechiError as exc:
            raise fail(exc) from None
        except Exception as exc:
            if (refused := _refused(exc)) is None:
                raise
            raise refused from None

    return run  # type: ignore[return-value]


@contextmanager
def database(settings: Settings) -> Iterator[Database]:
    """The database of the current home, migrated; errors inside become exit codes."""
    from haechi.store.database import open_database

    db = guarded(lambda: open_database(settings))
    try:
        yield db
    except HaechiError as exc:
        raise fail(exc) from None
    except Exception as exc:
        if (refused := _refused(exc)) is None:
            raise
        raise refused from None
    finally:
        db.close()


@contextmanager
def open_desk(env: CommandEnv) -> Iterator[Desk]:
    """A desk over the home's database (migrated), closed afterwards."""
    from haechi.notices.desk import Desk
    from haechi.scan.preserve import evidence_config
    from haechi.store.database import open_database

    db = open_database(env.settings)
    try:
        yield Desk(db, env.config, env.clock, evidence_config(env.settings), env.channels)
    finally:
        db.close()


def print_json(obj: Mapping[str, Any]) -> None:
    """One JSON object on one line of stdout (the ``--json`` form of every listing)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def progress() -> Progress:
    """A progress bar on stderr that disappears when done."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def print_table(table: Table, console: Console = out) -> None:
    """Print ``table`` at its natural width, so no cell (a URL, a path) is ever cut short.

    Rich fits tables to the console (80 columns when not a terminal) by cutting cells; a hit's
    location is evidence and must stay whole, so a wider table is printed wider and a narrower
    terminal wraps its lines instead.
    """
    from rich.measure import Measurement

    needed = Measurement.get(console, console.options.update(max_width=10_000), table).maximum
    if needed <= console.width:
        console.print(table)
        return
    wide = Console(file=console.file, width=needed, highlight=False)
    wide.print(table, crop=False)


def time_text(moment: datetime | None) -> str:
    """A moment to the minute, or nothing."""
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""
