"""``haechi capture``, ``export``, ``verify`` and ``evidence keygen``: sealed evidence."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from haechi.cli.common import AllowOpt, EnvFactory, command_group, err, guarded, out


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add the evidence commands to ``app``."""
    evidence_app = command_group("Evidence keys and housekeeping.")
    app.add_typer(evidence_app, name="evidence")

    @app.command("capture")
    def capture_cmd(
        url: Annotated[str, typer.Argument(help="The page to preserve.")],
        media: Annotated[str | None, typer.Option(help="URL of the media on it.")] = None,
        allow_host: AllowOpt = None,
        screenshot: Annotated[
            bool,
            typer.Option(
                "--screenshot/--no-screenshot",
                help="Take a full-page screenshot in headless Chromium (--no-screenshot: "
                "start no browser).",
            ),
        ] = True,
    ) -> None:
        """Capture a page (and its media) now as sealed, signed evidence."""
        from haechi.evidence import commands as evidence_commands
        from haechi.scan.preserve import ensure_key, evidence_config

        config = evidence_config(env().settings, allow_host or ())
        if not screenshot:
            config = replace(config, screenshots=False)
        new_key = guarded(partial(ensure_key, config))
        if new_key:
            err.print(f"created the organisation's signing key, id {new_key}: publish this id")
        guarded(partial(evidence_commands.capture, config, url, media, {}, out))

    @app.command("export")
    def export_cmd(
        ids: Annotated[list[str], typer.Argument(help="Hit ids or capture ids.")],
        out_file: Annotated[Path, typer.Option("--out", "-o", help="The .wacz bundle to write.")],
    ) -> None:
        """Export the evidence of hits (or captures) as a WACZ bundle police can verify offline."""
        from haechi.evidence import commands as evidence_commands
        from haechi.scan.preserve import captures_for, evidence_config

        config = evidence_config(env().settings)
        capture_ids = guarded(partial(captures_for, config, ids))
        guarded(partial(evidence_commands.export, config, capture_ids, out_file, out))

    @app.command("verify")
    def verify_cmd(
        bundle: Annotated[Path, typer.Argument(help="A .wacz bundle from `haechi export`.")],
        trusted_key: Annotated[
            list[str] | None,
            typer.Option(help="Published key id of the organisation; default: this home's key."),
        ] = None,
    ) -> None:
        """Check a bundle offline; exit status 0 only when every check holds."""
        from haechi.evidence import commands as evidence_commands
        from haechi.scan.preserve import evidence_config

        config = evidence_config(env().settings)
        keys = tuple(trusted_key or ()) or config.trusted_keys or config.own_key_ids()
        report = guarded(partial(evidence_commands.verify, bundle, keys, out))
        raise typer.Exit(0 if report.passed else 1)

    @evidence_app.command("keygen")
    def keygen_cmd() -> None:
        """Create the organisation's signing key (0600); never overwrites one."""
        from haechi.scan.preserve import ensure_key, evidence_config

        config = evidence_config(env().settings)
        new_key = guarded(partial(ensure_key, config))
        if new_key is None:
            err.print(f"a key already exists at {config.resolved_key_file}")
            raise typer.Exit(1)
        out.print(f"created {config.resolved_key_file}; key id {new_key} (publish it)")
