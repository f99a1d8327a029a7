"""Re-checks: is reported content still up?

Every URL cited by a notice that went out is fetched again through
:class:`~haechi.sources.SafeFetcher` once per ``recheck_every`` (24 h by default) until it is
gone, and once more right after a notice's deadline so that a repeat notice is never based on
a stale check. What counts as gone:

- the answer is 404, 410 or 451;
- the answer is the platform's removed-content page (a marker text in the body or the final
  URL; markers are configured, per platform too);
- something else is served in its place: the bytes differ from the hit's and, when they decode
  as an image, their PDQ is farther than the match radius from the hit's media (a re-encoded
  copy is still the same content and still up).

An answer that proves nothing (no connection, a refusal, 403, 5xx after retries) is recorded
as ``unreachable`` and the item stays open. Results are stored per hit; removals close the
notices whose items are all gone, are logged on the hit's captures, and overdue notices are
then followed up (:mod:`haechi.notices.followup`).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from haechi.hashing import HashOptions, Outcome, PdqHash, hash_bytes
from haechi.notices.desk import Desk
from haechi.notices.followup import FollowUps, follow_up
from haechi.notices.model import WAITING, CheckOutcome, Notice, Recheck
from haechi.notices.platforms import PlatformDirectory
from haechi.notices.sending import close_removed, log_event
from haechi.sources import Fetched, FetchError, FetchPolicy, SafeFetcher
from haechi.store.notices import NoticeStore, PlatformStore, RecheckStore

_GONE = frozenset({404, 410, 451})
_PDQ_ONLY = HashOptions(dihedral=False, content=False, regions=False, local=False)


@dataclass(frozen=True)
class DueCheck:
    """A reported URL due for a re-check, with what to compare the answer against."""

    hit_id: int
    url: str
    sha256: str
    media_pdq: str | None
    markers: tuple[str, ...]


@dataclass
class RecheckRun:
    """One run: the checks made, the notices closed, the follow-ups drafted."""

    checks: list[Recheck] = field(default_factory=list)
    closed: list[Notice] = field(default_factory=list)
    followups: FollowUps = field(default_factory=FollowUps)
    evidence_errors: list[str] = field(default_factory=list)

    @property
    def removed(self) -> list[Recheck]:
        """Checks that found the content gone."""
        return [c for c in self.checks if c.outcome is CheckOutcome.REMOVED]


def due_checks(desk: Desk, now: datetime, everything: bool = False) -> list[DueCheck]:
    """Reported URLs whose re-check is due at ``now`` (``everything``: all still up)."""
    every = desk.config.recheck_every
    with desk.db.session() as session:
        notices = NoticeStore(session).find(statuses=WAITING)
        directory: PlatformDirectory = PlatformStore(session).directory()
        by_hit: dict[int, list[Notice]] = {}
        for notice in notices:
            for item in notice.open_items:
                by_hit.setdefault(item.hit_id, []).append(notice)
        rechecks = RecheckStore(session)
        last = rechecks.last_checked(by_hit)
        items = {i.hit_id: i for n in notices for i in n.open_items}
        pdqs = rechecks.media_pdq(i.sha256 for i in items.values())
    due = []
    for hit_id, citing in sorted(by_hit.items()):
        first_sent = min(n.sent_at for n in citing if n.sent_at is not None)
        checked = last.get(hit_id, first_sent)
        deadline_passed = any(
            n.deadline is not None and now > n.deadline and checked <= n.deadline for n in citing
        )
        if now < checked + every and not deadline_passed and not everything:
            continue
        item = items[hit_id]
        host = directory.for_url(item.url) or (
            directory.for_url(item.page_url) if item.page_url else None
        )
        markers = desk.config.removed_markers + (host.removed_markers if host else ())
        due.append(DueCheck(hit_id, item.url, item.sha256, pdqs.get(item.sha256), markers))
    return due


def judge(
    check: DueCheck, answer: Fetched | FetchError, radius: int
) -> tuple[CheckOutcome, int | None, str]:
    """What an answer says about the reported content (see the module docstring)."""
    if isinstance(answer, FetchError):
        status = answer.record.status if answer.record and answer.record.status else None
        return CheckOutcome.UNREACHABLE, status, f"no usable answer: {answer}"
    record = answer.record
    if record.status in _GONE:
        return CheckOutcome.REMOVED, record.status, f"HTTP {record.status}"
    if record.status != 200:
        return CheckOutcome.UNREACHABLE, record.status, f"HTTP {record.status} proves nothing"
    text = answer.body[:2_000_000].decode("utf-8", errors="replace").lower()
    final = record.final_url.lower()
    for marker in check.markers:
        if marker.lower() in text or marker.lower() in final:
            return CheckOutcome.REMOVED, 200, f"removed-content page ({marker!r})"
    if hashlib.sha256(answer.body).hexdigest() == check.sha256:
        return CheckOutcome.PRESENT, 200, "the same file is still served"
    media = hash_bytes(answer.body, _PDQ_ONLY)
    if media.outcome is Outcome.FAILED or media.pdq is None:
        kind = record.header("content-type") or "unknown type"
        return CheckOutcome.REMOVED, 200, f"the URL no longer serves the media ({kind})"
    if check.media_pdq is None:
        return CheckOutcome.REMOVED, 200, "other media served; no PDQ of the original to compare"
    distance = media.pdq.distance(PdqHash.from_hex(check.media_pdq, 100))
    if distance <= radius:
        return CheckOutcome.PRESENT, 200, f"a re-encoded copy is served (PDQ distance {distance})"
    return CheckOutcome.REMOVED, 200, f"other media served (PDQ distance {distance})"


async def _fetch_all(policy: FetchPolicy, checks: Sequence[DueCheck]) -> list[Fetched | FetchError]:
    async with SafeFetcher(policy) as fetcher:

        async def one(url: str) -> Fetched | FetchError:
            try:
                return await fetcher.fetch(url)
            except FetchError as exc:
                return exc

        return list(await asyncio.gather(*(one(c.url) for c in checks)))


def run_rechecks(
    desk: Desk, policy: FetchPolicy | None = None, everything: bool = False
) -> RecheckRun:
    """Re-check every due URL, record what was found, close what is gone, follow up.

    ``everything`` re-checks every reported URL still up now, due or not (a person who has
    just heard from a platform does not wait for the schedule).
    """
    now = desk.clock()
    run = RecheckRun()
    due = due_checks(desk, now, everything)
    if due:
        fetch_policy = policy or FetchPolicy(allow=desk.config.allow_hosts)
        answers = asyncio.run(_fetch_all(fetch_policy, due))
        for check, answer in zip(due, answers, strict=True):
            outcome, status, detail = judge(check, answer, desk.config.pdq_radius)
            run.checks.append(Recheck(check.hit_id, check.url, now, outcome, status, detail))
        with desk.db.session() as session:
            store, rechecks = NoticeStore(session), RecheckStore(session)
            touched: set[int] = set()
            for result in run.checks:
                rechecks.add(result)
                if result.outcome is CheckOutcome.REMOVED:
                    touched.update(store.mark_removed(result.hit_id, now, result.detail))
            run.closed = close_removed(store, touched, now, "re-check: every item is gone")
        citations = desk.citations()
        for result in run.removed:
            capture = citations.for_hit(result.hit_id)
            if capture is not None:
                run.evidence_errors += citations.log(
                    [capture.id],
                    {
                        "event": "content-gone",
                        "hit": result.hit_id,
                        "url": result.url,
                        "detail": result.detail,
                        "status": result.status,
                        "at": now.isoformat(),
                    },
                )
        for notice in run.closed:
            run.evidence_errors += log_event(citations, notice, "removed", now)
    run.followups = follow_up(desk, now)
    return run
