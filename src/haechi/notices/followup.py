"""When the deadline passes and the content is still up: repeat the notice, then escalate.

Like Project Arachnid, haechi does not let a notice lapse: a notice past its deadline with
items still online is followed by a repeat notice to the same platform (the original is
marked ``no-answer`` if the platform never replied). Once ``repeats_before_escalation``
repeats have gone unheeded, a block request for the remaining items is drafted for the
regulator of the organisation's country (KCSC in Korea), listing every notice sent so far.
Follow-ups are drafts: a person approves them like any notice. They leave out hits whose
hashes were withdrawn (:mod:`haechi.notices.withdrawals`); a notice citing only such hits is
not followed up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from haechi.notices.desk import Desk
from haechi.notices.drafting import create_notice
from haechi.notices.model import Notice, NoticeKind, NoticeStatus
from haechi.notices.withdrawals import withdrawn_hits
from haechi.store.notices import NoticeStore, PlatformStore


@dataclass
class FollowUps:
    """Drafts made for overdue notices, and what could not be done."""

    repeats: list[Notice] = field(default_factory=list)
    block_requests: list[Notice] = field(default_factory=list)
    no_answer: list[Notice] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _history(chain: list[Notice]) -> list[dict[str, Any]]:
    return [
        {"id": n.id, "kind": n.kind, "sent_at": n.sent_at, "status": n.status}
        for n in chain
        if n.sent_at is not None
    ]


def due_for_follow_up(store: NoticeStore, now: datetime) -> tuple[list[Notice], set[int]]:
    """Overdue notices not yet followed up that still cite a hit nobody withdrew, and the
    withdrawn hits among their items (:mod:`haechi.notices.withdrawals`): those are left out."""
    waiting = store.find(
        statuses=[NoticeStatus.SENT, NoticeStatus.ACKNOWLEDGED, NoticeStatus.NO_ANSWER],
        kinds=[NoticeKind.TAKEDOWN, NoticeKind.REPEAT],
    )
    overdue = [n for n in waiting if n.overdue(now) and not store.followups(n.id)]
    gone = withdrawn_hits(store.session, (i.hit_id for n in overdue for i in n.open_items))
    return [n for n in overdue if any(i.hit_id not in gone for i in n.open_items)], gone


def follow_up(desk: Desk, now: datetime) -> FollowUps:
    """Draft repeats and block requests for every overdue notice not yet followed up."""
    out = FollowUps()
    config = desk.config
    with desk.db.session() as session:
        store = NoticeStore(session)
        overdue, withdrawn = due_for_follow_up(store, now)
        escalated = store.cited_hits(kind=NoticeKind.BLOCK_REQUEST)
        directory = PlatformStore(session).directory()
        for notice in overdue:
            if notice.status is NoticeStatus.SENT:
                out.no_answer.append(
                    store.transition(
                        notice.id, NoticeStatus.NO_ANSWER, now, "no answer by the deadline"
                    )
                )
        # Read after the changes above: a block request lists each notice as it stands now.
        chains = {n.id: store.chain(n.id) for n in overdue}
    regulator = directory.regulator(config.country)
    for notice in overdue:
        chain = chains[notice.id]
        host = next((p for p in directory.platforms if p.name == notice.platform), None)
        if host is None:
            continue
        repeats = sum(1 for n in chain if n.kind is NoticeKind.REPEAT)
        items = [i for i in notice.open_items if i.hit_id not in withdrawn]
        if repeats < config.max_repeats:
            out.repeats.append(
                create_notice(
                    desk,
                    host,
                    NoticeKind.REPEAT,
                    items,
                    now,
                    {"previous": notice, "repeat": repeats + 1},
                    previous_id=notice.id,
                )
            )
        if repeats < config.repeats_before_escalation:
            continue
        pending = [i for i in items if i.hit_id not in escalated]
        if not pending:
            continue
        if regulator is None:
            out.warnings.append(
                f"notice {notice.id} is due for escalation but the directory has no "
                f'regulator for {config.country}; add one (kind = "regulator")'
            )
            continue
        out.block_requests.append(
            create_notice(
                desk,
                regulator,
                NoticeKind.BLOCK_REQUEST,
                pending,
                now,
                {"host": host, "history": _history(chain)},
                previous_id=notice.id,
            )
        )
        escalated.update(i.hit_id for i in pending)
    return out
