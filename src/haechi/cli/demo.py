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
        serve: Annotated[
            bool | None,
            typer.Option(
                "--serve/--no-serve",
                help="Serve the web app afterwards until Ctrl-C (default: when stdin is a "
                "terminal).",
                show_default=False,
            ),
        ] = None,
        port: Annotated[
            int, typer.Option(min=0, max=65535, help="Port of the web app (taken: any free).")
        ] = 8000,
    ) -> None:
        """Run the whole flow on sample photos: register, scan a folder and a local site, review,
        notice by e-mail, re-check, police package, statistics (under <home>/demo); then serve
        the web app on 127.0.0.1 with a one-time sign-in link for a demo admin."""
        from haechi.demo import run_demo

        settings = env().settings
        guarded(lambda: run_demo(settings, out, keep=keep, serve=serve, port=port))
