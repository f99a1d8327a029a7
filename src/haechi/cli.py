"""The ``haechi`` command. Only this module and the web app talk to people.

Every listing command takes ``--json`` and then prints one JSON object per line with stable
keys. Errors are :class:`~haechi.errors.HaechiError` turned into a message and an exit code here,
in one place.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from haechi import __version__
from haechi.banks import service as banks_service
from haechi.banks.formats import FORMATS, guess_format
from haechi.errors import ConfigError, HaechiError
from haechi.evidence import EvidenceConfig
from haechi.evidence import commands as evidence_commands
from haechi.hashing.media import MediaHashes, hash_file
from haechi.hashing.signals import Signal
from haechi.hashing.video import VideoHashes
from haechi.notices.commands import CommandEnv
from haechi.notices.commands import mount as mount_action_commands
from haechi.scan.intake import save_telegram_marks, save_validators, source_options
from haechi.scan.model import Hit, ScanReport
from haechi.scan.pipeline import Scanner, hash_options
from haechi.scan.preserve import EvidenceKeeper, captures_for, ensure_key, evidence_config
from haechi.scan.watching import parse_interval, run_due_watches, watch_json
from haechi.settings import Settings
from haechi.sources import SOURCES, SourceOptions, open_source
from haechi.store.banks import BankStore
from haechi.store.database import Database, open_database
from haechi.store.models import utcnow
from haechi.store.scans import ScanStore
from haechi.store.watches import WatchStore

app = typer.Typer(
    help="haechi: register content as hashes, find re-uploads, keep the evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
bank_app = typer.Typer(help="Hash banks: registered content, as hashes.", no_args_is_help=True)
app.add_typer(bank_app, name="bank")
evidence_app = typer.Typer(help="Evidence keys and housekeeping.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
watch_app = typer.Typer(help="Watch lists: sources re-scanned on a schedule.", no_args_is_help=True)
app.add_typer(watch_app, name="watch")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

T = TypeVar("T")
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]
FormatOpt = Annotated[str | None, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")]


class State:
    """Settings for this invocation, built once in the callback."""

    settings: Settings = Settings()


state = State()


@app.callback()
def main(
    home: Annotated[
        Path | None, typer.Option(help="Folder of all state (env HAECHI_HOME).", show_default=False)
    ] = None,
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    """Read settings once; every command gets them from here."""
    if version:
        out.print(f"haechi {__version__}")
        raise typer.Exit()
    settings = Settings()
    if home is not None:
        settings = settings.model_copy(update={"home": home})
    state.settings = settings


def _fail(exc: HaechiError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}")
    return typer.Exit(exc.exit_code)


def guarded(fn: Callable[[], T]) -> T:
    """Run ``fn``; a :class:`HaechiError` becomes a message on stderr and its exit code."""
    try:
        return fn()
    except HaechiError as exc:
        raise _fail(exc) from None


@contextmanager
def database() -> Iterator[Database]:
    """The database of the current home, migrated."""
    db = guarded(lambda: open_database(state.settings))
    try:
        yield db
    except HaechiError as exc:
        raise _fail(exc) from None
    finally:
        db.close()


def _print_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def signal_summary(signals: Sequence[Signal]) -> str:
    """``pdq, pdq-crop×16, orb, md5, sha256``: kinds in order, repeats counted."""
    counts = Counter(s.kind.value for s in signals)
    return ", ".join(k if n == 1 else f"{k}×{n}" for k, n in counts.items())


def media_json(path: Path, media: MediaHashes) -> dict[str, Any]:
    """The stable JSON form of ``haechi hash``."""
    return {
        "path": str(path),
        "pdq": media.pdq.hex if media.pdq else None,
        "quality": media.pdq.quality if media.pdq else None,
        "md5": media.md5,
        "sha256": media.sha256,
        "outcome": media.outcome.value,
        "error": media.error,
        "video": _video_json(media.video) if media.video else None,
    }


def _video_json(video: VideoHashes, frames: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "container": video.container,
        "codec": video.codec,
        "width": video.width,
        "height": video.height,
        "frame_rate": video.frame_rate,
        "duration": video.duration,
        "sampled": video.sampled,
        "kept": len(video.frames),
        "low_quality": video.low_quality,
        "folded": video.folded,
        "limited": video.limited,
    }
    if frames:
        doc["frames"] = [
            {"frame": f.frame, "quality": f.pdq.quality, "pdq": f.pdq.hex, "timestamp": f.timestamp}
            for f in video.frames
        ]
    return doc


def _video_summary(video: VideoHashes) -> str:
    kept = f"{len(video.frames)} of {video.sampled} sampled frames kept"
    if video.low_quality or video.folded:
        kept += f" ({video.low_quality} low quality, {video.folded} repeats folded)"
    summary = (
        f"video {video.width}x{video.height} {video.codec}, {video.duration:.1f} s: {kept}"
    )
    if video.limited:
        summary += f"; [yellow]{video.limited}[/]"
    return summary


@app.command("hash")
def hash_cmd(
    files: Annotated[list[Path], typer.Argument(help="Image or video files to hash.")],
    as_json: JsonOpt = False,
    exact: Annotated[
        bool, typer.Option(help="Full-size JPEG decode, bit-exact with Meta's reference tool.")
    ] = False,
    frames: Annotated[
        bool,
        typer.Option(
            "--frames",
            help="Videos: print every kept frame as Meta's vPDQ feature file "
            "(frame_number,quality,pdq_hex,timestamp; '# file' heads each video).",
        ),
    ] = False,
) -> None:
    """Print the PDQ hash, quality, MD5 and SHA-256 of each file; for a video, a summary of
    its frame hashes (``--frames``: the frames themselves)."""
    exact = exact or state.settings.exact_decode
    settings = state.settings.model_copy(update={"exact_decode": exact})
    options = replace(hash_options(settings, dihedral=False), local=False)
    failed = 0
    table = Table("file", "pdq", "quality", "md5", "sha256", box=None)
    for path in files:
        media = guarded(partial(hash_file, path, options))
        if media.error:
            failed += 1
        if as_json:
            doc = media_json(path, media)
            if media.video is not None and frames:
                doc["video"] = _video_json(media.video, frames=True)
            _print_json(doc)
        elif frames and media.video is not None:
            sys.stdout.write(f"# {path}\n" + media.video.signature.to_vpdq())
        elif media.video is not None:
            table.add_row(str(path), _video_summary(media.video), "", media.md5, media.sha256)
        elif media.pdq is None:
            table.add_row(str(path), f"[red]{media.error}[/]", "", media.md5, media.sha256)
        else:
            q = str(media.pdq.quality)
            if not media.pdq.reliable(settings.pdq_min_quality):
                q = f"[yellow]{q} (low)[/]"
            table.add_row(str(path), media.pdq.hex, q, media.md5, media.sha256)
    if not as_json and table.row_count:
        out.print(table)
    if failed:
        raise typer.Exit(1)


def _hit_table(hits: list[Hit]) -> Table:
    table = Table(
        "hit", "where", "bank", "entry", "label", "signal", "distance", "confidence", box=None
    )
    for h in hits:
        table.add_row(
            str(h.id),
            h.location,
            h.bank,
            str(h.entry),
            h.label,
            h.signal_kind,
            str(h.distance),
            h.evidence_text(),
        )
    return table


@contextmanager
def _keeper(allow_hosts: Sequence[str]) -> Iterator[EvidenceKeeper | None]:
    """An evidence keeper for one scan, or ``None`` when capture is turned off."""
    if not state.settings.evidence_capture:
        yield None
        return
    with EvidenceKeeper(evidence_config(state.settings, allow_hosts)) as keeper:
        yield keeper


AllowOpt = Annotated[
    list[str] | None,
    typer.Option("--allow-host", help="Fetch this private host/address too (tests, demos)."),
]


def _report(report: ScanReport, as_json: bool) -> None:
    if as_json:
        for hit in report.hits:
            _print_json(hit.as_json())
        return
    out.print(_hit_table(report.hits))
    out.print(
        f"scan {report.scan_id}: {report.seen} items, {report.hashed} hashed, "
        f"{report.skipped} skipped (seen before or not media), {report.failed} failed, "
        f"{len(report.hits)} new hits"
    )
    if report.captures or report.capture_failures:
        out.print(
            f"evidence: {len(report.captures)} captures sealed, "
            f"{len(report.capture_failures)} failed"
        )
    for hit_id, why in report.capture_failures.items():
        err.print(f"[red]capture of hit {hit_id} failed:[/] {why}")
    for failure in report.failures[:20]:
        err.print(f"[yellow]failed[/] {failure.location}: {failure.reason}")
    if len(report.failures) > 20:
        err.print(f"… and {len(report.failures) - 20} more failures")


def _scan(scanner: Scanner, target: str, kind: str | None, options: SourceOptions) -> ScanReport:
    source = guarded(partial(open_source, target, kind, options))
    with _progress() as progress:
        task = progress.add_task(f"scanning {source.kind}", total=None)

        def tick(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        report = scanner.scan_source(source, target, tick)
    save_validators(options)
    save_telegram_marks(state.settings, source)
    return report


@app.command()
def scan(
    target: Annotated[
        str,
        typer.Argument(
            help="A folder, a Telegram export folder, a Discord export or URL list file, or a URL."
        ),
    ],
    kind: Annotated[
        str | None, typer.Option(help=f"Source kind instead of detecting it: {', '.join(SOURCES)}.")
    ] = None,
    allow_host: AllowOpt = None,
    depth: Annotated[int | None, typer.Option(help="Web: link depth from the seed.")] = None,
    max_pages: Annotated[int | None, typer.Option(help="Web: most pages to fetch.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch and hash the media of TARGET, match them against all banks, record the hits."""
    options = source_options(state.settings, allow_host or (), depth, max_pages)
    with database() as db, _keeper(allow_host or ()) as keeper:
        report = _scan(Scanner(db, state.settings, keeper), target, kind, options)
    _report(report, as_json)


@app.command()
def hits(
    as_json: JsonOpt = False,
    scan_id: Annotated[int | None, typer.Option("--scan", help="Only this scan's hits.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 1000,
) -> None:
    """List recorded hits, newest first."""
    with database() as db, db.session() as session:
        found = ScanStore(session).hits(scan_id=scan_id, limit=limit)
    if as_json:
        for hit in found:
            _print_json(hit.as_json())
    else:
        out.print(_hit_table(found))


@bank_app.command("create")
def bank_create(
    name: str, description: Annotated[str, typer.Option(help="What the bank holds.")] = ""
) -> None:
    """Create an empty bank."""
    with database() as db, db.session() as session:
        bank = BankStore(session).create(name, description)
    out.print(f"created bank {bank.name!r}")


@bank_app.command("list")
def bank_list(as_json: JsonOpt = False) -> None:
    """List banks with their number of live entries."""
    with database() as db, db.session() as session:
        banks = BankStore(session).all()
    if as_json:
        for b in banks:
            _print_json({"bank": b.name, "entries": b.entries, "description": b.description})
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
    with database() as db:
        results = banks_service.register_files(db, state.settings, bank, files, label, case)
    for r in results:
        assert r.entry is not None
        if as_json:
            _print_json(
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
    with database() as db, db.session() as session:
        entries = list(BankStore(session).entries(bank, include_withdrawn=withdrawn))
    if as_json:
        for e in entries:
            pdq = next((s for s in e.signals if s.kind.value == "pdq"), None)
            _print_json(
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


@bank_app.command("withdraw")
def bank_withdraw(
    entry_ids: Annotated[list[int], typer.Argument(help="Entry ids to withdraw.")],
) -> None:
    """Delete entries' hashes for good (a victim's withdrawal); the entry stays as a record."""
    with database() as db, db.session() as session:
        store = BankStore(session)
        for entry_id in entry_ids:
            entry = store.withdraw(entry_id)
            out.print(f"entry {entry.id} withdrawn: its hashes are deleted")


@bank_app.command("export")
def bank_export(
    bank: str,
    out_file: Annotated[Path | None, typer.Option("--out", help="Default: stdout.")] = None,
    fmt: FormatOpt = None,
    with_case_refs: Annotated[bool, typer.Option(help="Include case references.")] = False,
    with_local_features: Annotated[
        bool,
        typer.Option(help="Include ORB keypoint records (partly invertible: trusted partners)."),
    ] = False,
) -> None:
    """Export a bank as an HMA signal file, JSON or CSV."""
    chosen = fmt or (guess_format(out_file.name) if out_file else "hma")
    with database() as db:
        text = banks_service.export_bank(db, bank, chosen, with_case_refs, with_local_features)
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
    """Import a hash list (HMA signal file, JSON or CSV) into BANK."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[bold red]error:[/] cannot read {file}: {exc}")
        raise typer.Exit(1) from None
    with database() as db:
        entries = banks_service.import_bank(db, bank, text, fmt or guess_format(file.name), label)
    out.print(f"imported {len(entries)} entries into {bank!r}")


@watch_app.command("add")
def watch_add(
    target: str,
    every: Annotated[str, typer.Option(help="Interval: 30m, 6h, 1d.")] = "6h",
    kind: Annotated[str | None, typer.Option(help="Source kind instead of detecting it.")] = None,
) -> None:
    """Re-scan TARGET on a schedule (run due watches with `haechi watch run`)."""
    interval = guarded(partial(parse_interval, every))
    with database() as db, db.session() as session:
        watch = WatchStore(session).add(target, kind, interval, utcnow())
    out.print(f"watch {watch.id}: {target} every {every}, first run due now")


@watch_app.command("list")
def watch_list(as_json: JsonOpt = False) -> None:
    """Watched sources with their last run, next run and last error."""
    with database() as db, db.session() as session:
        watches = WatchStore(session).all()
    if as_json:
        for w in watches:
            _print_json(watch_json(w))
        return
    table = Table("watch", "target", "every", "last run", "next run", "scan", "error", box=None)
    for w in watches:
        table.add_row(
            str(w.id),
            w.target,
            str(w.every),
            f"{w.last_run:%F %H:%M}" if w.last_run else "never",
            f"{w.next_run:%F %H:%M}",
            str(w.last_scan_id or ""),
            w.last_error or "",
        )
    out.print(table)


@watch_app.command("remove")
def watch_remove(watch_id: int) -> None:
    """Stop watching a source."""
    with database() as db, db.session() as session:
        WatchStore(session).remove(watch_id)
    out.print(f"watch {watch_id} removed")


@watch_app.command("run")
def watch_run(allow_host: AllowOpt = None, as_json: JsonOpt = False) -> None:
    """Re-scan every watched source that is due; hits on new media are new hits."""
    options = source_options(state.settings, allow_host or ())
    with database() as db, _keeper(allow_host or ()) as keeper:
        runs = run_due_watches(db, state.settings, options, utcnow, keeper)
    for run in runs:
        if run.report is not None:
            _report(run.report, as_json)
        if run.error:
            err.print(f"[red]watch {run.watch.id} failed:[/] {run.error}")
    if not runs and not as_json:
        out.print("no watch is due")


def _evidence(allow_hosts: Sequence[str] = ()) -> EvidenceConfig:
    return evidence_config(state.settings, allow_hosts)


@app.command("capture")
def capture_cmd(
    url: Annotated[str, typer.Argument(help="The page to preserve.")],
    media: Annotated[str | None, typer.Option(help="URL of the media on it.")] = None,
    allow_host: AllowOpt = None,
    no_screenshot: Annotated[bool, typer.Option(help="Do not start a browser.")] = False,
) -> None:
    """Capture a page (and its media) now as sealed, signed evidence."""
    config = _evidence(allow_host or ())
    if no_screenshot:
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
    config = _evidence()
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
    config = _evidence()
    keys = tuple(trusted_key or ()) or config.trusted_keys or config.own_key_ids()
    report = guarded(partial(evidence_commands.verify, bundle, keys, out))
    raise typer.Exit(0 if report.passed else 1)


@evidence_app.command("keygen")
def keygen_cmd() -> None:
    """Create the organisation's signing key (0600); never overwrites one."""
    config = _evidence()
    new_key = guarded(partial(ensure_key, config))
    if new_key is None:
        err.print(f"a key already exists at {config.resolved_key_file}")
        raise typer.Exit(1)
    out.print(f"created {config.resolved_key_file}; key id {new_key} (publish it)")


@app.command("telegram-login")
def telegram_login() -> None:
    """Log in once with the analyst's own Telegram account, creating the session file.

    Needs HAECHI_TELEGRAM_API_ID, HAECHI_TELEGRAM_API_HASH and HAECHI_TELEGRAM_SESSION; asks
    for the phone number and the login code. The session file is a credential: keep it out
    of every repository and share drive.
    """
    settings = state.settings
    if not (settings.telegram_api_id and settings.telegram_api_hash and settings.telegram_session):
        raise _fail(
            ConfigError(
                "set HAECHI_TELEGRAM_API_ID, HAECHI_TELEGRAM_API_HASH and "
                "HAECHI_TELEGRAM_SESSION (from my.telegram.org) first"
            )
        )
    from telethon.sync import TelegramClient  # type: ignore[import-untyped]

    session = str(settings.telegram_session)
    api_hash = settings.telegram_api_hash.get_secret_value()
    with TelegramClient(session, settings.telegram_api_id, api_hash) as client:
        me = client.get_me()
    out.print(f"logged in as {getattr(me, 'username', None) or 'this account'}; session saved")


mount_action_commands(app, lambda: CommandEnv.from_settings(state.settings))


@app.command()
def demo(
    keep: Annotated[bool, typer.Option(help="Keep the demo home from an earlier run.")] = False,
) -> None:
    """Run the whole flow on bundled demo photos: register, alter, scan, report."""
    from haechi.demo import run_demo

    guarded(lambda: run_demo(state.settings, out, keep=keep))
