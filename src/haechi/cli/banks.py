"""``haechi bank``: hash banks, the registered content kept as hashes only."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from haechi.cli.common import EnvFactory, JsonOpt, command_group, database, err, out, print_json

if TYPE_CHECKING:
    from haechi.hashing.signals import Signal

# The names of haechi.banks.formats.FORMATS, spelled out so that help needs no hashing import;
# tests/cli/test_startup.py checks that they agree.
BANK_FORMATS = ("hma", "json", "csv", "vpdq")
FormatOpt = Annotated[
    str | None, typer.Option("--format", help=f"One of {', '.join(BANK_FORMATS)}.")
]


def signal_summary(signals: Sequence[Signal]) -> str:
    """``pdq, pdq-crop×16, orb, md5, sha256``: kinds in order, repeats counted."""
    counts = Counter(s.kind.value for s in signals)
    return ", ".join(k if n == 1 else f"{k}×{n}" for k, n in counts.items())


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi bank`` to ``app``."""
    bank_app = command_group("Hash banks: registered content, as hashes.")
    app.add_typer(bank_app, name="bank")

    @bank_app.command("create")
    def bank_create(
        name: str, description: Annotated[str, typer.Option(help="What the bank holds.")] = ""
    ) -> None:
        """Create an empty bank."""
        from haechi.banks.service import create_bank

        with database(env().settings) as db:
            bank = create_bank(db, name, description)
        out.print(f"created bank {bank.name!r}")

    @bank_app.command("list")
    def bank_list(as_json: JsonOpt = False) -> None:
        """List banks with their number of live entries."""
        from haechi.banks.service import list_banks

        with database(env().settings) as db:
            banks = list_banks(db)
        if as_json:
            for b in banks:
                print_json({"bank": b.name, "entries": b.entries, "description": b.description})
            return
        table = Table("bank", "entries", "description", box=None)
        for b in banks:
            table.add_row(b.name, str(b.entries), b.description)
        out.print(table)

    @bank_app.command("add")
    def bank_add(
        bank: str,
        files: Annotated[list[Path], typer.Argument(help="Files to register (never stored).")],
        label: Annotated[str, typer.Option(help="Label for the entries (no personal data).")] = "",
        case: Annotated[str | None, typer.Option(help="Pseudonymous case reference.")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Register files in BANK as hashes; the files themselves are not kept."""
        from haechi.banks import service as banks_service
        from haechi.cases.service import ensure_case

        e = env()
        with database(e.settings) as db:
            opened = case is not None and ensure_case(db, case, e.clock())[1]
            results = banks_service.register_files(db, e.settings, bank, files, label, case)
        if opened and not as_json:
            out.print(f"case {case} opened")
        for r in results:
            assert r.entry is not None
            if as_json:
                print_json(
                    {
                        "path": str(r.path),
                        "bank": bank,
                        "entry": r.entry.id,
                        "label": r.entry.label,
                        "signals": sorted({s.kind.value for s in r.entry.signals}),
                        "warning": r.warning,
                    }
                )
            else:
                out.print(f"entry {r.entry.id}: {r.path} ({signal_summary(r.entry.signals)})")
            if r.warning and not as_json:
                err.print(f"[yellow]warning[/] {r.path}: {r.warning}")

    @bank_app.command("entries")
    def bank_entries(
        bank: str,
        as_json: JsonOpt = False,
        withdrawn: Annotated[bool, typer.Option(help="Include withdrawn entries.")] = False,
    ) -> None:
        """List a bank's entries."""
        from haechi.banks.service import bank_entries

        with database(env().settings) as db:
            entries = bank_entries(db, bank, include_withdrawn=withdrawn)
        if as_json:
            for e in entries:
                pdq = next((s for s in e.signals if s.kind.value == "pdq"), None)
                print_json(
                    {
                        "entry": e.id,
                        "bank": e.bank,
                        "label": e.label,
                        "case": e.case_ref,
                        "added_at": e.added_at.isoformat(),
                        "withdrawn_at": e.withdrawn_at.isoformat() if e.withdrawn_at else None,
                        "pdq": pdq.value if pdq else None,
                        "quality": pdq.quality if pdq else None,
                    }
                )
            return
        table = Table("entry", "label", "case", "added", "signals", box=None)
        for e in entries:
            gone = f" [red]withdrawn {e.withdrawn_at:%F}[/]" if e.withdrawn_at else ""
            table.add_row(
                str(e.id),
                e.label + gone,
                e.case_ref or "",
                f"{e.added_at:%F %H:%M}",
                signal_summary(e.signals),
            )
        out.print(table)

    @bank_app.command("share")
    def bank_share(
        name: str,
        public_name: Annotated[
            str | None, typer.Option("--as", help="The name platforms see (default SHARED_<id>).")
        ] = None,
        stop: Annotated[bool, typer.Option("--stop", help="Stop sharing the bank.")] = False,
    ) -> None:
        """Let platforms match against a bank through the API (its list is never served)."""
        from haechi.members.model import Actor
        from haechi.platform_api.sharing import share_bank, stop_sharing

        with database(env().settings) as db, db.session() as session:
            if stop:
                share = stop_sharing(session, Actor.console(), name)
                out.print(f"bank {name!r} no longer shared (platforms stop matching it soon)")
                return
            share = share_bank(session, Actor.console(), name, public_name)
        out.print(f"bank {name!r} shared with platforms as {share.public_name!r}")

    @bank_app.command("withdraw")
    def bank_withdraw(
        entry_ids: Annotated[list[int], typer.Argument(help="Entry ids to withdraw.")],
    ) -> None:
        """Delete entries' hashes for good (a victim's withdrawal); the entry stays as a record."""
        from haechi.banks.service import withdraw_entries

        with database(env().settings) as db:
            withdrawn = withdraw_entries(db, entry_ids)
        for entry in withdrawn:
            out.print(f"entry {entry.id} withdrawn: its hashes are deleted")

    @bank_app.command("export")
    def bank_export(
        bank: str,
        out_file: Annotated[Path | None, typer.Option("--out", help="Default: stdout.")] = None,
        fmt: FormatOpt = None,
        with_case_refs: Annotated[bool, typer.Option(help="Include case references.")] = False,
        with_local_features: Annotated[
            bool,
            typer.Option(
                help="Include ORB keypoint records (partly invertible: trusted partners)."
            ),
        ] = False,
        with_labels: Annotated[
            bool,
            typer.Option(help="Include labels (they often carry names: they stay home otherwise)."),
        ] = False,
    ) -> None:
        """Export a bank as an HMA signal file, JSON or CSV (labels only with --with-labels)."""
        from haechi.banks import service as banks_service
        from haechi.banks.formats import guess_format

        chosen = fmt or (guess_format(out_file.name) if out_file else "hma")
        with database(env().settings) as db:
            text = banks_service.export_bank(
                db, bank, chosen, with_case_refs, with_local_features, with_labels
            )
        if out_file is None or str(out_file) == "-":
            sys.stdout.write(text)
        else:
            out_file.write_text(text, encoding="utf-8")
            err.print(f"wrote {out_file}")

    @bank_app.command("import")
    def bank_import(
        bank: str,
        file: Path,
        fmt: FormatOpt = None,
        label: Annotated[str, typer.Option(help="Label for entries that have none.")] = "",
    ) -> None:
        """Import a hash list (HMA signal file, vPDQ feature file, JSON or CSV) into BANK.

        Without --format the format is told from the file's name and content.
        """
        from haechi.banks import service as banks_service

        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            err.print(f"[bold red]error:[/] cannot read {file}: {exc}")
            raise typer.Exit(1) from None
        with database(env().settings) as db:
            entries = banks_service.import_bank(db, bank, text, fmt, label, name=file.name)
        out.print(f"imported {len(entries)} entries into {bank!r}")
