"""``haechi api-keys``: platforms' keys for the hash-check API, and their use."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    database,
    out,
    print_json,
    print_table,
)


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi api-keys`` to ``app``."""
    keys_app = command_group("API keys of platforms that check uploads against shared banks.")
    app.add_typer(keys_app, name="api-keys")

    @keys_app.command("create")
    def create(
        platform: Annotated[str, typer.Argument(help="The platform the key is for.")],
        scope: Annotated[
            list[str] | None,
            typer.Option(help="lookup, upload or feedback; repeatable (default: all three)."),
        ] = None,
        rate: Annotated[int, typer.Option(min=1, help="Requests a second.")] = 50,
        quota: Annotated[int, typer.Option(min=1, help="Hashes looked up a UTC day.")] = 100_000,
        expected: Annotated[
            int, typer.Option(min=1, help="The platform's uploads a day (flags odd lookups).")
        ] = 10_000,
        as_json: Annotated[bool, typer.Option("--json", help="Print {platform, key}.")] = False,
    ) -> None:
        """Make a key; it is shown once and stored only as a digest."""
        from haechi.members.model import Actor
        from haechi.platform_api.keys import DEFAULT_SCOPES, create_key

        with database(env().settings) as db, db.session() as session:
            made = create_key(
                session,
                Actor.console(),
                platform,
                scopes=tuple(scope) if scope else DEFAULT_SCOPES,
                rate_per_second=rate,
                daily_quota=quota,
                expected_daily=expected,
            )
        if as_json:
            print_json({"platform": made.key.platform, "key": made.secret})
            return
        out.print(f"key {made.key.id} for {made.key.platform} (shown once, keep it safe):")
        print(made.secret)

    @keys_app.command("list")
    def list_cmd(as_json: JsonOpt = False) -> None:
        """Keys with their limits, last use, revocation and flags (never the secrets)."""
        from haechi.platform_api.keys import list_keys

        with database(env().settings) as db, db.session() as session:
            keys = list_keys(session)
        if as_json:
            for k in keys:
                print_json(k.as_json())
            return
        table = Table(
            "id",
            "platform",
            "prefix",
            "scopes",
            "rate/s",
            "quota/day",
            "last used",
            "state",
            box=None,
        )
        for k in keys:
            state = "revoked" if k.revoked_at else ("FLAGGED" if k.flagged_at else "active")
            used = f"{k.last_used_at:%F %T}" if k.last_used_at else "-"
            table.add_row(
                str(k.id),
                k.platform,
                k.prefix,
                " ".join(sorted(k.scopes)),
                str(k.rate_per_second),
                str(k.daily_quota),
                used,
                state,
            )
        print_table(table)
        for k in keys:
            if k.flagged_at and not k.revoked_at:
                out.print(f"[yellow]key {k.id} flagged:[/] {k.flag_reason}")

    @keys_app.command("revoke")
    def revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see list).")]) -> None:
        """Revoke a key for good; it stops working at once on this server."""
        from haechi.members.model import Actor
        from haechi.platform_api.keys import revoke_key
        from haechi.platform_api.runtime import keys_changed

        settings = env().settings
        with database(settings) as db, db.session() as session:
            key = revoke_key(session, Actor.console(), key_id)
        keys_changed(settings)
        out.print(f"key {key.id} of {key.platform} revoked")

    @keys_app.command("stats")
    def stats(as_json: JsonOpt = False) -> None:
        """Per platform: lookups, matches, confirmations, false positives, confirmed removals."""
        from haechi.platform_api.feedback import platform_stats

        with database(env().settings) as db, db.session() as session:
            rows = platform_stats(session)
        if as_json:
            for r in rows:
                print_json(r.as_json())
            return
        table = Table(
            "platform", "lookups", "matches", "confirmed", "false positives", "removed", box=None
        )
        for r in rows:
            table.add_row(
                r.platform,
                str(r.lookups),
                str(r.matches),
                str(r.confirmed),
                str(r.false_positives),
                str(r.removed),
            )
        print_table(table)

    @keys_app.command("feedback")
    def feedback_cmd(
        accept: Annotated[
            list[int] | None, typer.Option(help="Accept this false positive (negative bank).")
        ] = None,
        reject: Annotated[
            list[int] | None, typer.Option(help="Reject this false positive.")
        ] = None,
        reviewer: Annotated[str, typer.Option(help="Who decides.")] = "console",
        as_json: JsonOpt = False,
    ) -> None:
        """The false positives platforms reported; accept or reject them."""
        from haechi.members.model import Actor
        from haechi.platform_api.feedback import decide, review_queue

        actor = Actor(None, reviewer, None, "console")
        with database(env().settings) as db, db.session() as session:
            for fid in accept or []:
                decide(session, actor, fid, True)
            for fid in reject or []:
                decide(session, actor, fid, False)
            queue = review_queue(session)
        for f in queue:
            if as_json:
                print_json(f.as_json())
            else:
                out.print(
                    f"{f.id}: {f.platform} says match {f.match_id} ({f.signal_type} "
                    f"{f.signal}) is a false positive  {f.note}"
                )
