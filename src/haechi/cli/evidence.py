"""``haechi capture``, ``export``, ``verify`` and ``evidence keygen``: sealed evidence."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from haechi.cli.common import (
    AllowOpt,
    EnvFactory,
    JsonOpt,
    command_group,
    database,
    err,
    fail,
    guarded,
    out,
    print_json,
    time_text,
)


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
        """Export the evidence of hits (or captures) as a WACZ bundle police can verify offline.

        Hits without a capture (still pending, or gone before it was made) are named and left
        out; the others are exported, and the exit status is then 1.
        """
        from haechi.evidence import commands as evidence_commands
        from haechi.scan.evidence_export import export_evidence
        from haechi.scan.preserve import evidence_config

        settings = env().settings
        with database(settings) as db:
            result = export_evidence(db, evidence_config(settings), ids, out_file)
        evidence_commands.print_summary(result.summary, out)
        for warning in result.summary.warnings:
            err.print(f"[yellow]warning:[/] {escape(warning)}")
        for missing in result.missing:
            err.print(f"[yellow]not in the bundle:[/] {escape(missing.describe())}")
        if not result.complete:
            err.print(f"[red]{len(result.missing)} hit(s) have no capture[/]")
            raise typer.Exit(1)

    @evidence_app.command("repair")
    def repair_cmd(
        hit_ids: Annotated[
            list[int] | None, typer.Argument(help="Only these hits (default: every pending hit).")
        ] = None,
        allow_host: AllowOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Capture every hit whose evidence is still pending, or record that it is gone.

        A scan does this itself before it starts; run it after a crash or to retry now.
        Exit status 1 when some hits are still pending (the reason is printed).
        """
        from haechi.scan.repair import repair_evidence

        settings = env().settings
        with database(settings) as db:
            report = repair_evidence(db, settings, allow_host or (), hit_ids or None)
        for o in report.outcomes:
            if as_json:
                print_json(
                    {
                        "hit": o.hit_id,
                        "state": o.state,
                        "captures": list(o.captures),
                        "reason": o.reason,
                        "at": o.at.isoformat() if o.at else None,
                    }
                )
            elif o.captures:
                out.print(f"hit {o.hit_id}: sealed ({', '.join(o.captures)})")
            else:
                when = f" at {time_text(o.at)} UTC" if o.at else ""
                out.print(f"hit {o.hit_id}: {o.state}{when}: {escape(o.reason or '')}")
        if not as_json:
            out.print(
                f"{len(report.captured)} captured, {len(report.gone)} gone, "
                f"{len(report.failed)} still pending"
            )
        if report.failed:
            raise typer.Exit(1)

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

    @evidence_app.command("encrypt-key")
    def encrypt_key_cmd(
        old_passphrase_env: Annotated[
            str | None,
            typer.Option(
                metavar="NAME",
                help="Name of the environment variable holding the current passphrase "
                "(to change it).",
            ),
        ] = None,
    ) -> None:
        """Encrypt the signing key in place with HAECHI_KEY_PASSPHRASE (same key, same id)."""
        import os

        from haechi.errors import ConfigError
        from haechi.evidence.keys import encrypt_key
        from haechi.scan.preserve import evidence_config

        config = evidence_config(env().settings)
        if not config.key_passphrase:
            raise fail(ConfigError("set HAECHI_KEY_PASSPHRASE to the new passphrase first"))
        old = os.environ.get(old_passphrase_env) if old_passphrase_env else None
        if old_passphrase_env and old is None:
            raise fail(ConfigError(f"the environment variable {old_passphrase_env} is not set"))
        path = config.resolved_key_file
        key = guarded(partial(encrypt_key, path, config.key_passphrase, old))
        out.print(f"encrypted {path}; key id {key.key_id} (unchanged)")

    @evidence_app.command("rotate-key")
    def rotate_key_cmd() -> None:
        """Replace the signing key; the old public key stays trusted for what it signed.

        The old key signs a last checkpoint, its public half is kept under
        evidence/retired-keys/, and the new key (encrypted with HAECHI_KEY_PASSPHRASE when set)
        signs at once. Publish the new key id beside the old one.
        """
        from haechi.scan.preserve import evidence_config, rotate_signing_key

        settings = env().settings
        with database(settings) as db:
            done = rotate_signing_key(db, evidence_config(settings))
        out.print(
            f"retired key {done.old_key_id} (public key kept at {done.retired_public_key}); "
            f"new key {done.new_key_id}: publish it beside the old one"
        )
