"""The life of a notice, and the only status changes it allows.

::

    drafted ──▶ approved ──▶ sent ──▶ acknowledged ──▶ removed
       │           │           │  │         │      └──▶ refused
       └───────────┴──▶ discarded  │         └──▶ no-answer
                                   ├──▶ removed / refused / no-answer
    no-answer ──▶ acknowledged / removed / refused    (a late answer, or a re-check)

Nothing leaves without a person's approval, and nothing is marked sent that was not: a draft
cannot be sent, a sent notice cannot be discarded. ``removed``, ``refused`` and ``discarded``
are final. A platform that never answers is ``no-answer`` until a re-check sees the content
gone, which is the answer that counts.
"""

from __future__ import annotations

from haechi.notices.errors import IllegalTransition
from haechi.notices.model import NoticeStatus

S = NoticeStatus

ALLOWED: dict[NoticeStatus, frozenset[NoticeStatus]] = {
    S.DRAFTED: frozenset({S.APPROVED, S.DISCARDED}),
    S.APPROVED: frozenset({S.SENT, S.DISCARDED}),
    S.SENT: frozenset({S.ACKNOWLEDGED, S.REMOVED, S.REFUSED, S.NO_ANSWER}),
    S.ACKNOWLEDGED: frozenset({S.REMOVED, S.REFUSED, S.NO_ANSWER}),
    S.NO_ANSWER: frozenset({S.ACKNOWLEDGED, S.REMOVED, S.REFUSED}),
    S.REMOVED: frozenset(),
    S.REFUSED: frozenset(),
    S.DISCARDED: frozenset(),
}

FINAL = frozenset(s for s, nxt in ALLOWED.items() if not nxt)

_HINTS: dict[tuple[NoticeStatus, NoticeStatus], str] = {
    (S.DRAFTED, S.SENT): "approve it first (`haechi notices approve ID`)",
    (S.SENT, S.DISCARDED): "it has gone out; mark what the platform did instead",
    (S.APPROVED, S.ACKNOWLEDGED): "send it first",
    (S.DRAFTED, S.ACKNOWLEDGED): "approve and send it first",
}


def check_transition(notice_id: int, current: NoticeStatus, wanted: NoticeStatus) -> None:
    """Raise :class:`IllegalTransition` unless ``current`` may become ``wanted``."""
    if wanted in ALLOWED[current]:
        return
    if current in FINAL:
        why = f"it is {current.value}, which is final"
    else:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[current]))
        why = _HINTS.get((current, wanted), f"from {current.value} it can become: {allowed}")
    raise IllegalTransition(
        f"notice {notice_id} cannot go from {current.value} to {wanted.value}: {why}"
    )
