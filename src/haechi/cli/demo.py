"""``haechi demo``: the whole flow on bundled demo data."""

from __future__ import annotations

from typing import Annotated

import typer

from haechi.cli.common import EnvFactory, guarded, out


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi demo`` to ``app``."""

    @app.command()
    def demo(
        keep: Annotated[bool, typer.Option(help="Keep the demo home from an earlier run.")] = False,
    ) -> None:
        """Run the whole flow on sample photos: register, scan a folder and a local site, review,
        notice by e-mail, re-check, police package, statistics (under <home>/demo)."""
        from haechi.demo import run_demo

        settings = env().settings
        guarded(lambda: run_demo(settings, out, keep=keep))
