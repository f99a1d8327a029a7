"""Hits of withdrawn entries are named in nothing that leaves the team from then on.

A victim who withdraws her hashes (at ``/intake``, or when her case is closed with its
hashes) withdraws her consent to act on what they found. One rule, asked by every place that
writes hits into something new: first takedown notices (:mod:`haechi.notices.drafting`),
repeats and block requests (:mod:`haechi.notices.followup`) and police packages
(:mod:`haechi.cases.police`). Notices already sent stay as they were: they are the record.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from haechi.store.models import EntryRow, HitRow

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
