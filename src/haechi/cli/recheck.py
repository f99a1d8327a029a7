"""``haechi recheck``: re-fetch reported URLs to see whether they are gone."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from haechi.cli.common import AllowOpt, EnvFactory, JsonOpt, guard, open_desk, print_json
from haechi.cli.common import soft_err as err
from haechi.cli.common import soft_out as out


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi recheck`` to ``app``."""

    @app.command("recheck")
    @guard
    def recheck_cmd(
        as_json: JsonOpt = False,
        now: Annotated[
            bool, typer.Option("--now", help="Re-check every reported URL now, due or not.")
        ] = False,
        allow_host: AllowOpt = None,
    ) -> None:
        """Re-check reported URLs that are due; mark what is gone, draft follow-ups."""
        from haechi.notices import recheck
        from haechi.sources.safety import FetchPolicy

        e = env()
        policy = e.fetch_policy
        if allow_host:
            base = policy or FetchPolicy(allow=e.config.allow_hosts)
            policy = replace(base, allow=(*base.allow, *allow_host))
        with open_desk(e) as desk:
            run = recheck.run_rechecks(desk, policy, everything=now)
        for check in run.checks:
            if as_json:
                print_json(check.as_json())
            else:
                out.print(f"hit {check.hit_id}: {check.outcome.value} ({check.detail})")
        follow = run.followups
        if not as_json:
            for n in run.closed:
                out.print(f"notice {n.id} to {n.platform}: everything removed")
            for n in follow.repeats:
                out.print(f"drafted repeat notice {n.id} to {n.platform} (approve it to send)")
            for n in follow.block_requests:
                out.print(f"drafted block request {n.id} to {n.platform} (approve it to send)")
            if not run.checks:
                out.print("no re-check is due")
        else:
            for n in [*follow.repeats, *follow.block_requests]:
                print_json({**n.as_json(), "action": "drafted"})
        for warning in [*follow.warnings, *run.evidence_errors]:
            err.print(f"[yellow]warning:[/] {warning}")
