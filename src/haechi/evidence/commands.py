"""The evidence commands, ready for Typer: ``capture``, ``export``, ``verify``, ``keygen``.

The main ``haechi`` app owns settings, so these take an :class:`EvidenceConfig` from a callable
the app provides (built from its :class:`~haechi.settings.Settings`), and
:func:`evidence_app` returns a Typer sub-app to mount::

    app.add_typer(evidence_app(lambda: EvidenceConfig(home=state.settings.home)), name="evidence")

Each command is also a plain function (:func:`capture`, :func:`export`, :func:`verify`) that
returns a value and prints through a ``rich`` console, so other code and tests can call it.
Errors are :class:`~haechi.errors.HaechiError`; the sub-app turns them into a message and an
exit code, like the rest of the CLI. ``verify`` exits 0 only when every check holds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from haechi.errors import HaechiError
from haechi.evidence.bundle import BundleSummary, export_bundle
from haechi.evidence.capture import CaptureRequest
from haechi.evidence.keys import retired_key_ids
from haechi.evidence.locker import EvidenceLocker
from haechi.evidence.model import Capture
from haechi.evidence.recorder import HttpRecorder, RecorderLimits
from haechi.evidence.screenshot import (
    DEBIAN_CHROMIUM,
    ChromiumScreenshotter,
    NoScreenshots,
    Screenshotter,
)
from haechi.evidence.signing import SigningKey, generate_key, load_key
from haechi.evidence.timestamp import TsaClient
from haechi.evidence.verify import CheckStatus, VerificationReport, verify_bundle
from haechi.sources.safety import FetchPolicy


@dataclass(frozen=True)
class EvidenceConfig:
    """What the evidence commands need from settings (see the module docstring)."""

    home: Path
    key_file: Path | None = None  # default <home>/evidence/signing-key.pem
    origin: str = "haechi"  # names the log in checkpoints, e.g. the organisation's domain
    checkpoint_every: int = 100  # entries between automatic checkpoints; 0: only on export
    tsa_url: str | None = None  # RFC 3161 time-stamping authority, if any
    allow: tuple[str, ...] = ()  # hosts/addresses fetched although private (tests, mirrors)
    screenshots: bool = True
    chromium: Path = DEBIAN_CHROMIUM
    max_bytes: int = 64 * 1024 * 1024  # per response kept in the WARC
    timeout: float = 30.0  # seconds per URL, redirects included
    trusted_keys: tuple[str, ...] = field(default=())  # published key ids, for verify
    key_passphrase: str | None = field(default=None, repr=False)  # opens an encrypted key file

    @property
    def evidence_dir(self) -> Path:
        """``<home>/evidence``: objects, log and checkpoints."""
        return self.home / "evidence"

    @property
    def resolved_key_file(self) -> Path:
        """The key file path, defaulting under the evidence folder."""
        return self.key_file or self.evidence_dir / "signing-key.pem"

    def key(self) -> SigningKey | None:
        """The signing key if its file exists (never created implicitly)."""
        path = self.resolved_key_file
        return load_key(path, self.key_passphrase) if path.exists() else None

    def own_key_ids(self) -> tuple[str, ...]:
        """Ids of this organisation's key and retired keys, trusted by default when verifying."""
        key = self.key()
        own = (key.key_id,) if key is not None else ()
        return (*own, *retired_key_ids(self.evidence_dir))

    def locker(self) -> EvidenceLocker:
        """The locker of this home, with the key and time-stamping configured."""
        return EvidenceLocker(
            self.evidence_dir,
            key=self.key(),
            origin=self.origin,
            checkpoint_every=self.checkpoint_every,
            stamp=TsaClient(self.tsa_url) if self.tsa_url else None,
        )

    def recorder(self) -> HttpRecorder:
        """A guarded HTTP recorder with this config's allow-list and caps."""
        return HttpRecorder(
            FetchPolicy(allow=self.allow),
            RecorderLimits(max_bytes=self.max_bytes, timeout=self.timeout),
        )

    def screenshotter(self) -> Screenshotter:
        """Chromium if screenshots are on, else a recorded "not taken"."""
        if not self.screenshots:
            return NoScreenshots("screenshots were turned off for this capture")
        return ChromiumScreenshotter(self.chromium)


def capture(
    config: EvidenceConfig,
    url: str,
    media_url: str | None = None,
    context: dict[str, Any] | None = None,
    console: Console | None = None,
) -> Capture:
    """Capture ``url`` (and ``media_url``) now and seal it; prints the capture id."""

    async def run() -> Capture:
        locker = config.locker()
        camera = config.screenshotter()
        try:
            async with config.recorder() as recorder:
                return await locker.capture(
                    CaptureRequest(url, media_url, context or {}), recorder, camera
                )
        finally:
            await camera.aclose()

    record = asyncio.run(run())
    out = console or Console(highlight=False, soft_wrap=True)
    out.print(f"sealed {record.id}  page {record.page_status}  screenshot {record.screenshot}")
    if record.screenshot_reason:
        out.print(f"  screenshot: {record.screenshot_reason}")
    return record


def export(
    config: EvidenceConfig, capture_ids: Sequence[str], out: Path, console: Console | None = None
) -> BundleSummary:
    """Write a WACZ bundle of ``capture_ids`` to ``out``; prints its SHA-256."""
    summary = export_bundle(config.locker(), capture_ids, out)
    print_summary(summary, console)
    return summary


def print_summary(summary: BundleSummary, console: Console | None = None) -> None:
    """Say where a bundle went, its SHA-256, what it holds and which checkpoint seals it."""
    printer = console or Console(highlight=False, soft_wrap=True)
    printer.print(f"wrote {summary.path}  sha256 {summary.sha256}")
    checkpoint = summary.checkpoint
    printer.print(
        f"  {len(summary.live)} captures, {len(summary.destroyed)} destroyed; "
        f"checkpoint of {checkpoint.tree_size} entries signed by key {checkpoint.key_id}"
    )


_STYLE = {
    CheckStatus.VERIFIED: "green",
    CheckStatus.FAILED: "bold red",
    CheckStatus.NOT_CHECKED: "yellow",
}


def report_table(report: VerificationReport) -> Table:
    """The per-check table that ``verify`` prints."""
    table = Table(title=f"Verification of {report.path.name}")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for check in report.checks:
        result = check.status.value + ("" if check.required else " (optional)")
        table.add_row(check.name, f"[{_STYLE[check.status]}]{result}[/]", check.detail)
    return table


def verify(
    bundle: Path, trusted_keys: Sequence[str] = (), console: Console | None = None
) -> VerificationReport:
    """Check a bundle offline and print every check; see :func:`verify_bundle`."""
    report = verify_bundle(bundle, trusted_keys)
    printer = console or Console(highlight=False, soft_wrap=True)
    printer.print(report_table(report))
    for cid, status in report.captures.items():
        printer.print(f"capture {cid}: {status}")
    verdict = "[bold green]PASS[/]" if report.passed else "[bold red]FAIL[/]"
    printer.print(f"{verdict}: {len(report.failures)} failed of {len(report.checks)} checks")
    if report.problems:
        printer.print(f"problems: {', '.join(report.problems)}")
    return report


def evidence_app(config: Callable[[], EvidenceConfig]) -> typer.Typer:
    """A Typer sub-app with the evidence commands, reading settings through ``config``."""
    app = typer.Typer(help="Evidence: capture, export and verify.", no_args_is_help=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)

    def guarded(fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except HaechiError as exc:
            err.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(exc.exit_code) from None

    @app.command("capture")
    def capture_cmd(
        url: Annotated[str, typer.Argument(help="Page where the hit was found.")],
        media: Annotated[str | None, typer.Option(help="URL of the matched media.")] = None,
        context: Annotated[
            str, typer.Option(help="JSON object: hit_id, bank_entry, distance, source, …")
        ] = "{}",
        no_screenshot: Annotated[bool, typer.Option(help="Do not start a browser.")] = False,
    ) -> None:
        """Capture a page (and its media) now, as sealed evidence."""
        try:
            data = json.loads(context)
        except ValueError as exc:
            raise typer.BadParameter(f"--context is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise typer.BadParameter("--context must be a JSON object")
        cfg = config()
        if no_screenshot:
            cfg = EvidenceConfig(**{**cfg.__dict__, "screenshots": False})
        guarded(lambda: capture(cfg, url, media, data))

    @app.command("export")
    def export_cmd(
        capture_ids: Annotated[list[str], typer.Argument(help="Capture ids to export.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="The .wacz file to write.")],
    ) -> None:
        """Export captures as a verifiable WACZ bundle."""
        guarded(lambda: export(config(), capture_ids, out))

    @app.command("verify")
    def verify_cmd(
        bundle: Annotated[Path, typer.Argument(help="A .wacz bundle from `export`.")],
        trusted_key: Annotated[
            list[str] | None,
            typer.Option(
                help="Published key id (hex) of the organisation; default: this home's own key."
            ),
        ] = None,
    ) -> None:
        """Check a bundle offline; exit status 0 only when everything holds."""
        cfg = config()
        keys = tuple(trusted_key or ()) or cfg.trusted_keys or cfg.own_key_ids()
        report = verify(bundle, keys)
        raise typer.Exit(0 if report.passed else 1)

    @app.command("keygen")
    def keygen_cmd() -> None:
        """Create the organisation's signing key file (0600); never overwrites one."""
        cfg = config()
        path = cfg.resolved_key_file
        key = guarded(lambda: generate_key(path, cfg.key_passphrase))
        Console(highlight=False, soft_wrap=True).print(f"created {path}; key id {key.key_id}")

    return app
