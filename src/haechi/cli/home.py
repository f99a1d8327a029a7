"""``haechi home check`` and ``haechi home secure``: who else can read the home."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from haechi.cli.common import EnvFactory, command_group, err, out

if TYPE_CHECKING:
    from haechi.settings import Settings


def home_warnings(settings: Settings, max_depth: int | None = None) -> list[str]:
    """What in the home others can read, and whether the signing key is unprotected.

    ``max_depth`` limits the walk of the home (the check at every start stays cheap).
    """
    from haechi.evidence.keys import privacy_warnings

    key_file = settings.evidence_key_file or settings.home / "evidence" / "signing-key.pem"
    secret = settings.key_passphrase
    passphrase = secret.get_secret_value() if secret else None
    return privacy_warnings(settings.home, key_file, passphrase, max_depth=max_depth)


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add the ``home`` commands to ``app``."""
    home_app = command_group("The home folder: permissions of everything in it.")
    app.add_typer(home_app, name="home")

    @home_app.command("check")
    def check_cmd() -> None:
        """Walk the whole home; name what other accounts can read. Exit 1 when anything."""
        settings = env().settings
        problems = home_warnings(settings)
        for problem in problems:
            err.print(f"[yellow]warning:[/] {escape(problem)}", soft_wrap=True)
        if problems:
            raise typer.Exit(1)
        out.print(f"{settings.home}: private (0700, files 0600)")

    @home_app.command("secure")
    def secure_cmd() -> None:
        """Make the home 0700 and every file in it 0600 (links are not followed)."""
        from haechi.store.home import secure_home

        home = env().settings.home
        changed = secure_home(home) if home.exists() else 0
        out.print(f"tightened {changed} modes under {home}")
