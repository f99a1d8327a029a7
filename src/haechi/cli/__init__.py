"""The ``haechi`` command: one module per command group, each mounted on :data:`app`.

Commands parse their options, call a plain service function and print; every action is a
function other code (the web app, tests) calls directly. Every listing command takes ``--json``
and then prints one JSON object per line with stable keys. A
:class:`~haechi.errors.HaechiError` becomes a message and an exit code in
:mod:`haechi.cli.common`, in one place.

Start-up stays fast: ``haechi --help`` imports every module here, so the heavy libraries
(OpenCV, PyAV, matplotlib, Playwright, the scan pipeline, ...) are imported only inside the
commands that use them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from haechi import __version__
from haechi.cli import (
    admin,
    api_keys,
    audit,
    backup,
    banks,
    bundle,
    cases,
    demo,
    evidence,
    hashing,
    home,
    intake,
    jobs,
    keys,
    members,
    notices,
    ops,
    platforms,
    recheck,
    redact,
    reports,
    review,
    route,
    scans,
    serve,
    stats,
    telegram,
    tracking,
    trust,
    watches,
)
from haechi.cli.common import CommandEnv, EnvFactory, err, guarded, out
from haechi.cli.display import tidy_help

if TYPE_CHECKING:
    from haechi.settings import Settings

EXIT_CODES = (
    "Exit codes: 0 ok; 1 some items failed (or a check did not hold); "
    "2 usage or settings error; 3 the target itself failed (scan)."
)

app = typer.Typer(
    help="haechi: register content as hashes, find re-uploads, keep the evidence.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help, like other Unix tools': it prints without loading rich's Markdown renderer,
    # which would cost more start-up time than everything else together.
    rich_markup_mode=None,
)


class State:
    """This invocation's options; settings are read once, when a command first needs them."""

    home: Path | None = None
    key_file: Path | None = None
    settings: Settings | None = None


state = State()


def current_env() -> CommandEnv:
    """The environment of the running command: settings from the environment and ``--home``.

    Read here rather than in the callback so that help works whatever the settings hold; a
    bad setting is a clear error (exit code 2) when a command runs.
    """
    if state.settings is None:
        from haechi.settings import load_settings

        settings = guarded(load_settings)
        if state.home is not None:
            settings = settings.model_copy(update={"home": state.home})
        if state.key_file is not None:
            settings = settings.model_copy(update={"evidence_key_file": state.key_file})
        state.settings = settings
        warn_privacy(settings)
    return CommandEnv.from_settings(state.settings)


def warn_privacy(settings: Settings) -> None:
    """Say on stderr what in the home others could read, and whether the key is unprotected.

    Cheap enough for every start: the home's own files and those one folder down (the
    database, the log, the key); `haechi home check` walks everything.
    """
    from haechi.crypto.vault import data_key_warnings

    for warning in [*home.home_warnings(settings, max_depth=1), *data_key_warnings(settings)]:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)


def _print_version(value: bool) -> None:
    if value:
        out.print(f"haechi {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    home: Annotated[
        Path | None,
        typer.Option(help="Folder of all state (env HAECHI_HOME).", show_default=False),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="The organisation's signing key, best kept outside the home "
            "(env HAECHI_EVIDENCE_KEY_FILE).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
) -> None:
    """Note the options of this invocation; every command reads them through current_env."""
    # Every file this process creates is private (haechi.store.home.private_umask, without
    # importing the store at start-up).
    os.umask(0o077)
    state.home = home
    state.key_file = key_file
    state.settings = None


def mount(target: typer.Typer, env: EnvFactory) -> None:
    """Add every command group to ``target``, reading their environment through ``env``."""
    for group in (
        hashing,
        scans,
        banks,
        watches,
        evidence,
        telegram,
        home,
        cases,
        review,
        notices,
        platforms,
        reports,
        recheck,
        route,
        stats,
        backup,
        ops,
        demo,
        serve,
        jobs,
        admin,
        audit,
        keys,
        api_keys,
        trust,
        members,
        intake,
        tracking,
        redact,
        bundle,
    ):
        group.mount(target, env)


tidy_help()
mount(app, current_env)

__all__ = ["EXIT_CODES", "CommandEnv", "app", "current_env", "mount", "state"]
