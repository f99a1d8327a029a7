"""``haechi trust``: the organisation's keys, checking signed documents, official channels.

``key`` prints the DID and each key's ``publicKeyMultibase`` (making keys on first use);
``rotate-key`` and ``revoke-key`` change them; ``verify FILE`` checks a signed document (JSON
or the e-mail it came in) and exits 0 only when its proof holds, naming what failed otherwise;
``channel add/remove/list`` keep the official-channels registry; ``reports`` lists
impersonation reports from the public.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    database,
    err,
    guard,
    out,
    print_json,
)
from haechi.errors import ConfigError

if TYPE_CHECKING:
    from haechi.settings import Settings
    from haechi.trust.config import TrustConfig
    from haechi.trust.result import Verification


def trust_config(env: EnvFactory) -> TrustConfig:
    """The trust settings of this invocation."""
    from haechi.trust.config import TrustConfig

    return TrustConfig.from_settings(env().settings)


def print_verification(result: Verification, as_json: bool) -> None:
    """The verdict, its reasons and (when the proof held) what the document says."""
    if as_json:
        print_json(result.as_json())
        return
    out.print(f"{result.verdict.value.upper()}: {escape(result.detail)}")
    for reason in result.reasons:
        out.print(f"  reason: {reason.value}")
    for what in result.unchecked:
        out.print(f"  not checked: {what.value}")
    if result.key:
        out.print(f"  key: {escape(result.key)}")
    if result.summary:
        out.print(escape(json.dumps(result.summary, ensure_ascii=False, indent=2)), soft_wrap=True)


def has_database(settings: Settings) -> bool:
    """Whether this home has a database to check against (a verifier's machine may not)."""
    return settings.database_url is not None or (settings.home / "haechi.db").exists()


def _moment(text: str) -> datetime:
    from haechi.trust.timefmt import parse_time

    try:
        return parse_time(text if ("T" in text) else f"{text}T00:00:00Z")
    except Exception:
        raise ConfigError(f"not a date: {text!r} (2026-11-30 or 2026-11-30T09:00:00Z)") from None


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi trust`` to ``app``."""
    trust_app = command_group("The organisation's keys, signed documents and official channels.")
    app.add_typer(trust_app, name="trust")
    channel_app = command_group("The official-channels registry (published signed).")
    trust_app.add_typer(channel_app, name="channel")

    @trust_app.command("key")
    @guard
    def key_cmd(as_json: JsonOpt = False) -> None:
        """Print the organisation's DID and each key's publicKeyMultibase (made if missing)."""
        from haechi.trust.documents import own_did_document
        from haechi.trust.keys import all_keys, ensure_keys, unencrypted_keys

        e, config = env(), trust_config(env)
        with database(e.settings) as db, db.session() as session:
            ensure_keys(session, config, e.clock())
            did = own_did_document(session, config, e.clock())
            records = all_keys(session)
            loose = unencrypted_keys(session, config)
        for path in loose:
            err.print(
                f"[yellow]warning:[/] the signing key {escape(str(path))} is not encrypted: "
                "anyone who copies the home can sign as the organisation. Set "
                "HAECHI_KEY_PASSPHRASE; the key is encrypted with it the next time it is used",
                soft_wrap=True,
            )
        if as_json:
            print_json({"did": config.did, "keys": [r.as_json() for r in records], "document": did})
            return
        out.print(
            f"DID {config.did}  (served at {config.public_url}/.well-known/did.json)",
            soft_wrap=True,
        )
        for method in did["verificationMethod"]:
            state = (
                " ".join(f"{k} {method[k]}" for k in ("expires", "revoked") if k in method)
                or "current"
            )
            out.print(f"  {method['name']}: {method['publicKeyMultibase']}  {state}")

    @trust_app.command("rotate-key")
    @guard
    def rotate_cmd(
        purpose: Annotated[str, typer.Argument(help="notices or credentials.")],
    ) -> None:
        """Replace a purpose's key; the old one stays valid for what it signed before."""
        from haechi.audit.trail import AuditKind, record
        from haechi.members.model import Actor
        from haechi.trust.keys import Purpose, rotate_key

        try:
            chosen = Purpose(purpose)
        except ValueError:
            raise ConfigError("the purpose is notices or credentials") from None
        e, config = env(), trust_config(env)
        with database(e.settings) as db, db.session() as session:
            old, new = rotate_key(session, config, chosen, e.clock())
            record(
                session,
                AuditKind.TRUST_KEY_ROTATED,
                Actor.console(),
                detail={"old": old.key_id, "new": new.key_id},
                now=e.clock(),
            )
        out.print(f"{chosen.value}: retired {old.key_id}, now {new.key_id}")

    @trust_app.command("revoke-key")
    @guard
    def revoke_cmd(
        key: Annotated[str, typer.Argument(help="The key's publicKeyMultibase.")],
        since: Annotated[
            str, typer.Option("--from", help="Compromised from (2026-11-30 or a UTC time).")
        ],
        reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
    ) -> None:
        """Mark a key compromised from a date: documents it signed since then fail."""
        from haechi.audit.trail import AuditKind, record
        from haechi.members.model import Actor
        from haechi.trust.keys import revoke_key

        e, config = env(), trust_config(env)
        with database(e.settings) as db, db.session() as session:
            revoked = revoke_key(session, config, key, _moment(since), reason, e.clock())
            record(
                session,
                AuditKind.TRUST_KEY_REVOKED,
                Actor.console(),
                detail={"key": key, "from": since, "reason": reason},
                now=e.clock(),
            )
        out.print(f"revoked {revoked.key_id} from {revoked.revoked_from:%Y-%m-%d %H:%M} UTC")

    @trust_app.command("verify")
    @guard
    def verify_cmd(
        file: Annotated[Path, typer.Argument(help="A signed document: JSON, or its e-mail.")],
        key: Annotated[
            str | None,
            typer.Option(help="Trust this publicKeyMultibase (another issuer's) instead."),
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Check a signed document offline; exit 0 only when its proof holds.

        With this home's database, a document naming this organisation is also checked
        against what it published (a stolen key's back-dated forgery fails) and its status
        list. Another issuer's document (--key) is checked for its proof and dates only: its
        status list is not read (status-unknown) and its publication is not checked.
        """
        from haechi.trust.checking import verify_offline, verify_own
        from haechi.trust.errors import TrustError
        from haechi.trust.multibase import ed25519_from_multikey
        from haechi.trust.reading import is_bundle, read_document

        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {file}: {exc.strerror}") from None
        if is_bundle(data):
            raise ConfigError(f"{file} is a bundle: check it with `haechi verify {file}`")
        document = read_document(data)
        try:
            pinned = ed25519_from_multikey(key) if key else None
        except TrustError as exc:
            raise ConfigError(f"--key {key!r}: {exc}") from None
        e, config = env(), trust_config(env)
        if not has_database(e.settings):
            result = verify_offline(document, e.clock(), pinned)
        else:
            with database(e.settings) as db, db.session() as session:
                result = verify_own(session, config, document, e.clock(), pinned)
        print_verification(result, as_json)
        raise typer.Exit(0 if result.valid else 1)

    @channel_app.command("add")
    @guard
    def channel_add(
        kind: Annotated[str, typer.Argument(help="website, email, phone, telegram, social, bank.")],
        value: Annotated[str, typer.Argument(help="The address, number or account.")],
        label: Annotated[str, typer.Option(help="What it is, for people.")] = "",
    ) -> None:
        """List one of the organisation's real channels."""
        from haechi.members.model import Actor
        from haechi.trust.channels import add_channel, parse_kind

        e = env()
        with database(e.settings) as db, db.session() as session:
            channel = add_channel(
                session, Actor.console(), parse_kind(kind), value, label, e.clock()
            )
        out.print(f"listed {channel.id}: {channel.kind.value} {escape(channel.value)}")

    @channel_app.command("remove")
    @guard
    def channel_remove(channel_id: Annotated[int, typer.Argument(help="Its number.")]) -> None:
        """Take a channel off the list."""
        from haechi.members.model import Actor
        from haechi.trust.channels import remove_channel

        e = env()
        with database(e.settings) as db, db.session() as session:
            channel = remove_channel(session, Actor.console(), channel_id, e.clock())
        out.print(f"removed {channel.id}: {channel.kind.value} {escape(channel.value)}")

    @channel_app.command("list")
    @guard
    def channel_list(as_json: JsonOpt = False) -> None:
        """The listed channels."""
        from haechi.trust.channels import list_channels

        e = env()
        with database(e.settings) as db, db.session() as session:
            channels = list_channels(session)
        for channel in channels:
            if as_json:
                print_json(channel.as_json())
            else:
                out.print(
                    f"{channel.id:>4}  {channel.kind.value:<9} {escape(channel.value)}  "
                    f"{escape(channel.label)}"
                )

    @trust_app.command("reports")
    @guard
    def reports_cmd(
        all_reports: Annotated[bool, typer.Option("--all", help="Closed ones too.")] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Impersonation reports from the public, newest first."""
        from haechi.trust.reports import queue

        e = env()
        with database(e.settings) as db, db.session() as session:
            found = queue(session, open_only=not all_reports)
        for report in found:
            if as_json:
                print_json(report.as_json())
            else:
                out.print(
                    f"{report.id:>4}  {report.created_at:%Y-%m-%d %H:%M}  {report.status:<6} "
                    f"{report.kind} {escape(report.value)}"
                )
