"""Hits of withdrawn entries are named in nothing that leaves the team from then on.

A victim who withdraws her hashes (at ``/intake``, or when her case is closed with its
hashes) withdraws her consent to act on what they found. One rule, asked by every place that
writes hits into something new: first takedown notices (:mod:`haechi.notices.drafting`),
repeats and block requests (:mod:`haechi.notices.followup`) and police packages
(:mod:`haechi.cases.police`). Notices drafted or approved but not sent when she withdraws are
discarded (:func:`discard_unsent`; the other hits they cited are free to be drafted again), and
sending refuses any that still cite a withdrawn hit (:func:`haechi.notices.sending.send`).
Notices already sent stay as they were: they are the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.notices.model import NoticeStatus
from haechi.store.models import EntryRow, HitRow
from haechi.store.notices import NoticeStore

_CHUNK = 500  # SQLite's bound-parameter limit is far above; keeps each query small


def withdrawn_hits(session: Session, hit_ids: Iterable[int]) -> set[int]:
    """Those of ``hit_ids`` whose bank entry was withdrawn: cite them in nothing new."""
    wanted = sorted(set(hit_ids))
    gone: set[int] = set()
    for start in range(0, len(wanted), _CHUNK):
        query = (
            select(HitRow.id)
            .join(EntryRow, EntryRow.id == HitRow.entry_id)
            .where(
                HitRow.id.in_(wanted[start : start + _CHUNK]), EntryRow.withdrawn_at.is_not(None)
            )
        )
        gone.update(session.scalars(query))
    return gone


def discard_unsent(session: Session, now: datetime) -> list[int]:
    """Discard every drafted or approved notice that cites a withdrawn hit; their ids."""
    store = NoticeStore(session)
    unsent = store.find(statuses=[NoticeStatus.DRAFTED, NoticeStatus.APPROVED])
    gone = withdrawn_hits(session, (i.hit_id for n in unsent for i in n.items))
    why = "hashes it cites were withdrawn; the other hits it cited may be drafted again"
    return [
        store.transition(n.id, NoticeStatus.DISCARDED, now, why).id
        for n in unsent
        if any(i.hit_id in gone for i in n.items)
    ]
