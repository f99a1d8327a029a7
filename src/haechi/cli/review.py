"""``haechi review``: the queue of hits waiting for a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from haechi.cli.common import (
    EnvFactory,
    JsonOpt,
    command_group,
    guard,
    open_desk,
    print_json,
    print_table,
)
from haechi.cli.common import soft_out as out

if TYPE_CHECKING:
    from haechi.notices.model import Decision
    from haechi.notices.review import HitFilter

BankOpt = Annotated[str | None, typer.Option(help="Only hits on this bank's entries.")]
ScanOpt = Annotated[int | None, typer.Option("--scan", help="Only this scan's hits.")]
PlatformOpt = Annotated[str | None, typer.Option(help="Only hits on this platform.")]
DistanceOpt = Annotated[int | None, typer.Option(help="Only hits at most this distance.")]
ReviewerOpt = Annotated[str, typer.Option(help="Who decided (recorded with the decision).")]


def _decide(
    env: EnvFactory,
    decision: Decision,
    hit_ids: list[int] | None,
    all_: bool,
    filters: HitFilter,
    reviewer: str,
    reason: str,
) -> None:
    from haechi.notices import review
    from haechi.notices.errors import ReviewError

    if bool(hit_ids) == all_:
        raise ReviewError("give hit ids, or --all with filters (not both)")
    with open_desk(env()) as desk:
        if all_:
            done = review.decide_all(desk, filters, decision, reviewer, reason)
        else:
            done = review.decide(desk, hit_ids or [], decision, reviewer, reason)
    out.print(f"{len(done)} hit(s) {decision.value}")


def _decision_command(env: EnvFactory, decision: str, doc: str) -> Callable[..., None]:
    def decide(
        hit_ids: Annotated[list[int] | None, typer.Argument(help="Hit ids.")] = None,
        reviewer: ReviewerOpt = "",
        all_: Annotated[
            bool, typer.Option("--all", help="Every pending hit the filters match.")
        ] = False,
        bank: BankOpt = None,
        scan_id: ScanOpt = None,
        platform: PlatformOpt = None,
        max_distance: DistanceOpt = None,
        reason: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    ) -> None:
        from haechi.notices.model import Decision
        from haechi.notices.review import HitFilter

        filters = HitFilter(bank, scan_id, platform, max_distance)
        _decide(env, Decision(decision), hit_ids, all_, filters, reviewer, reason)

    decide.__doc__ = doc
    return guard(decide)


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi review`` to ``app``."""
    review_app = command_group("Review hits before any notice cites them.")
    app.add_typer(review_app, name="review")

    @review_app.command("list")
    @guard
    def list_hits(
        status: Annotated[str, typer.Option(help="pending, confirmed or rejected.")] = "pending",
        bank: BankOpt = None,
        scan_id: ScanOpt = None,
        platform: PlatformOpt = None,
        max_distance: DistanceOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Hits waiting for review (or already decided), oldest first."""
        from haechi.notices import review
        from haechi.notices.model import Decision

        decision = None if status == "pending" else Decision(status)
        filters = review.HitFilter(bank, scan_id, platform, max_distance)
        with open_desk(env()) as desk:
            hits = review.queue(desk, filters, decision)
        if as_json:
            for h in hits:
                print_json({**h.as_json(), "review": status})
            return
        table = Table(
            "hit", "where", "page", "bank", "entry", "signal", "distance", "evidence", box=None
        )
        for h in hits:
            table.add_row(
                str(h.id),
                h.location,
                h.found_in or "",
                h.bank,
                str(h.entry),
                h.signal_kind,
                str(h.distance),
                h.evidence_text(),
            )
        print_table(table, out)
        out.print(f"{len(hits)} hit(s) {status}")

    @review_app.command("policy")
    @guard
    def policy(
        on: Annotated[
            bool | None, typer.Option("--on/--off", help="Turn auto-confirmation on or off.")
        ] = None,
        exact: Annotated[
            bool | None,
            typer.Option("--exact/--no-exact", help="Confirm exact copies (MD5, SHA-256)."),
        ] = None,
        max_pdq_distance: Annotated[
            int | None,
            typer.Option(help="Confirm PDQ matches within this many bits (0-10); -1 for none."),
        ] = None,
        apply: Annotated[
            bool, typer.Option("--apply", help="Confirm the waiting hits it covers now.")
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Show or set the auto-confirm policy (off by default); audited as the console."""
        from haechi.members.model import Actor
        from haechi.review.policy import apply_policy, get_policy, set_policy

        with open_desk(env()) as desk, desk.db.session() as session:
            now = desk.clock()
            current = get_policy(session)
            confirmed: list[int] = []
            if on is not None or exact is not None or max_pdq_distance is not None:
                distance = current.max_pdq_distance
                if max_pdq_distance is not None:
                    distance = None if max_pdq_distance < 0 else max_pdq_distance
                current, confirmed = set_policy(
                    session,
                    Actor.console(),
                    enabled=current.enabled if on is None else on,
                    exact=current.exact if exact is None else exact,
                    max_pdq_distance=distance,
                    now=now,
                )
            elif apply:
                confirmed = apply_policy(session, now)
        if as_json:
            print_json({**current.as_json(), "confirmed": confirmed})
            return
        state = "on" if current.enabled else "off"
        pdq = current.max_pdq_distance
        out.print(
            f"policy {state}: exact copies {'yes' if current.exact else 'no'}, "
            f"PDQ within {pdq if pdq is not None else '-'} bits"
        )
        if confirmed:
            out.print(f"{len(confirmed)} hit(s) confirmed by the policy")

    confirmed = "Confirm hits: the picture is the registered one, notices may cite it."
    rejected = "Reject hits: not the registered picture; no notice will cite them."
    review_app.command("confirm")(_decision_command(env, "confirmed", confirmed))
    review_app.command("reject")(_decision_command(env, "rejected", rejected))
