"""``haechi backup`` (with ``keygen``, ``verify``, ``drill``) and ``haechi restore``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from haechi.cli.common import EnvFactory, JsonOpt, err, guard, print_json
from haechi.cli.common import soft_out as out

if TYPE_CHECKING:
    from haechi.ops.restore import BackupReport

IdentityOpt = Annotated[
    list[Path],
    typer.Option(
        "--identity", "-i", help="Identity (private key) file that opens the backup; repeatable."
    ),
]


def print_report(report: BackupReport, as_json: bool) -> None:
    """A verify/restore report: every check and what the backup holds."""
    if as_json:
        print_json(report.as_json())
        return
    verdict = "[green]every check held[/]" if report.passed else "[red]CHECKS FAILED[/]"
    out.print(f"backup {report.backup_id} ({report.kind}, made {report.made_at}): {verdict}")
    if report.needs:
        out.print(f"  built on: {', '.join(report.needs)}")
    counts = ", ".join(f"{n} {t}" for t, n in report.counts.items())
    out.print(
        f"  holds: schema {report.schema_revision}; {report.log_entries} log entries, signed "
        f"to {report.checkpoint_size}; {report.objects} evidence objects; {counts}"
    )
    key = "included (encrypted)" if report.signing_key_included else "not included"
    out.print(f"  signing key: {key}")
    for check in report.checks:
        mark = {True: "ok", False: "[red]FAILED[/]", None: "not checked"}[check.ok]
        out.print(f"  {mark:>11}  {check.name}: {escape(check.detail)}")
    for note in report.notes:
        out.print(f"  note: {escape(note)}")


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi backup`` and ``haechi restore`` to ``app``."""
    backup_app = typer.Typer(
        help="Encrypted backups of the home: make, verify, drill.",
        rich_markup_mode=None,
        invoke_without_command=True,
    )
    app.add_typer(backup_app, name="backup")

    @backup_app.callback()
    @guard
    def backup(
        ctx: typer.Context,
        out_file: Annotated[
            Path | None, typer.Option("--out", help="The backup file to write (age-encrypted).")
        ] = None,
        recipient: Annotated[
            list[str] | None,
            typer.Option(help="Public key (age1…) to encrypt for; default the home's list."),
        ] = None,
        incremental: Annotated[
            bool, typer.Option(help="Only evidence objects the last backup lacks.")
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Back up the home: ``haechi backup --out /mnt/usb/haechi-2026-12-01.age``."""
        if ctx.invoked_subcommand is not None:
            return
        if out_file is None:
            raise typer.BadParameter("give --out FILE (or a command: keygen, verify, drill)")
        from haechi.ops.backup import make_backup

        result = make_backup(env().settings, out_file, recipient or (), incremental=incremental)
        if as_json:
            print_json(result.as_json())
            return
        out.print(
            f"backup {result.backup_id} ({result.kind}) written to {result.path}: "
            f"{result.size} bytes, SHA-256 {result.sha256}; {result.log_entries} log entries "
            f"signed to {result.checkpoint_size}; {result.objects_added} of "
            f"{result.objects_total} evidence objects in this file"
        )
        for note in result.notes:
            err.print(f"[yellow]note:[/] {escape(note)}")

    @backup_app.command("keygen")
    @guard
    def keygen(
        identity: Annotated[Path, typer.Argument(help="Where to write the new identity file.")],
        add: Annotated[
            bool, typer.Option(help="Add its public key to the home's recipients.")
        ] = True,
    ) -> None:
        """Make a backup key pair; keep the identity file OFF this machine."""
        from haechi.ops.keys import add_home_recipient, generate_identity

        pair = generate_identity(identity)
        out.print(f"public key: {pair.recipient}")
        if add:
            path = add_home_recipient(env().settings.home, pair.recipient)
            out.print(f"added to {path}; backups are now encrypted for it")
        err.print(
            f"[yellow]keep {identity} away from this machine[/] (a password manager, a USB key "
            "in a safe): whoever holds it can read every backup"
        )

    @backup_app.command("verify")
    @guard
    def verify(
        files: Annotated[list[Path], typer.Argument(help="The backup and those it builds on.")],
        identity: IdentityOpt,
        as_json: JsonOpt = False,
    ) -> None:
        """Check a backup completely without restoring it. Exit 0 only if every check held."""
        from haechi.ops.restore import verify_backup

        report = verify_backup(files, identity)
        print_report(report, as_json)
        if not report.passed:
            raise typer.Exit(1)

    @backup_app.command("drill")
    @guard
    def drill(
        identity: IdentityOpt,
        file: Annotated[
            Path | None, typer.Option(help="Drill this backup; default the latest made here.")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Restore the latest backup into a temporary home, check it, record the result."""
        from haechi.ops.drill import run_drill

        result = run_drill(env().settings, identity, file)
        if as_json:
            print_json(result.as_json())
        else:
            verdict = "[green]good[/]" if result.ok else "[red]FAILED[/]"
            out.print(
                f"drill of {result.backup_id or result.path}: {verdict}: {escape(result.detail)}"
            )
        if not result.ok:
            raise typer.Exit(1)

    @app.command("restore")
    @guard
    def restore(
        files: Annotated[list[Path], typer.Argument(help="The backup and those it builds on.")],
        to: Annotated[Path, typer.Option("--to", help="The new home (must be empty).")],
        identity: IdentityOpt,
        database_url: Annotated[
            str | None,
            typer.Option(help="An empty PostgreSQL database, for a backup of one."),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Restore backups into a new home, only if every check holds."""
        from haechi.ops.restore import restore_backup

        report = restore_backup(files, identity, to, database_url)
        print_report(report, as_json)
        if not as_json:
            out.print(f"restored into {to}; run `haechi --home {to} doctor`")
