"""Drafting notices: confirmed hits, grouped by platform, one notice per platform.

Only hits a person confirmed are drafted, each at most once into a first takedown notice
(repeats and block requests are drafted by :mod:`haechi.notices.followup`). A hit is the
platform's whose domain its file URL is on, else its page's; hits nobody claims are returned
so the directory can be completed. Every item cites the hit's newest capture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from haechi.notices.citations import Citations, sealed_time
from haechi.notices.desk import Desk
from haechi.notices.errors import NoticeError
from haechi.notices.model import Channel, Decision, Notice, NoticeItem, NoticeKind
from haechi.notices.platforms import Platform, PlatformDirectory
from haechi.notices.withdrawals import withdrawn_hits
from haechi.notices.workflow_signoffs import record_drafter
from haechi.routing.desks import desk_for, responsibilities
from haechi.scan.model import Hit
from haechi.store.notices import NoticeStore, PlatformStore, ReviewStore

if TYPE_CHECKING:
    from haechi.routing import Router


@dataclass
class Drafted:
    """The notices drafted, and the confirmed hits no platform claims."""

    notices: list[Notice] = field(default_factory=list)
    unassigned: list[Hit] = field(default_factory=list)


def _is_web(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("http://", "https://"))


def platform_of(directory: PlatformDirectory, hit: Hit) -> Platform | None:
    """The platform hosting a hit: by its file URL's domain, else its page's."""
    for url in (hit.location, hit.found_in):
        if url and _is_web(url):
            found = directory.for_url(url)
            if found is not None:
                return found
    return None


def item_for(hit: Hit, citations: Citations) -> NoticeItem:
    """What a notice cites for a hit."""
    capture = citations.for_hit(hit.id)
    page = hit.found_in if hit.found_in and hit.found_in != hit.location else None
    return NoticeItem(
        hit.id,
        hit.location,
        page,
        hit.sha256,
        capture.id if capture else None,
        sealed_time(capture) if capture else None,
    )


def channel_for(platform: Platform) -> tuple[Channel, str]:
    """E-mail when the platform has an address, else its web form."""
    if platform.email:
        return Channel.EMAIL, platform.email
    if platform.web_form:
        return Channel.WEB_FORM, platform.web_form
    raise NoticeError(f"platform {platform.name} has neither an e-mail address nor a web form")


def deadline_hours(desk: Desk, platform: Platform) -> int:
    """Hours a platform is given: its own deadline, else the configured default."""
    if platform.deadline_hours:
        return platform.deadline_hours
    return max(1, round(desk.config.deadline.total_seconds() / 3600))


def create_notice(
    desk: Desk,
    platform: Platform,
    kind: NoticeKind,
    items: Sequence[NoticeItem],
    now: datetime,
    extra: Mapping[str, Any] | None = None,
    previous_id: int | None = None,
) -> Notice:
    """Render and store one notice (in one session)."""
    channel, recipient = channel_for(platform)
    with desk.db.session() as session:
        store = NoticeStore(session)
        draft = store.create(
            platform.name,
            kind,
            channel,
            platform.language,
            recipient,
            "",
            "",
            "",
            items,
            now,
            previous_id,
        )
        record_drafter(session, draft.id, desk.actor)  # four eyes: another member approves
        context: dict[str, Any] = {
            "organisation": desk.config.organisation,
            "platform": platform,
            "notice_id": draft.id,
            "kind": kind.value,
            "items": list(items),
            "now": now,
            "checked_at": now,
            "deadline_hours": deadline_hours(desk, platform),
            "previous": None,
            "repeat": 0,
            "history": [],
            "responsibilities": responsibilities(session, platform.name, items),
        }
        context.update(extra or {})
        english = {**context, "organisation": desk.config.organisation_english}
        rendered = desk.renderer.render_notice(kind.template, platform.language, context, english)
        # Her personal data never goes out in a notice (the cited URLs stay whole).
        from haechi.redaction.outgoing import redact_notice_text

        text, _ = redact_notice_text(session, rendered.text, [i.hit_id for i in items], context)
        rendered = replace(rendered, text=text)
        return store.set_text(
            draft.id, rendered.language, rendered.subject, rendered.text, rendered.sha256
        )


def draft_notices(
    desk: Desk,
    platform: str | None = None,
    hit_ids: Sequence[int] | None = None,
    router: Router | None = None,
) -> Drafted:
    """Draft one takedown notice per platform for confirmed hits not yet in one.

    With a ``router`` (:mod:`haechi.routing`), a hit on a site no platform claims goes to the
    abuse desk of its host (or CDN, or registrar) found by routing, added to the directory."""
    now = desk.clock()
    with desk.db.session() as session:
        reviews, notices = ReviewStore(session), NoticeStore(session)
        confirmed = reviews.hit_ids(Decision.CONFIRMED)
        if hit_ids is not None:
            wanted = set(hit_ids)
            confirmed = [h for h in confirmed if h in wanted]
        taken = notices.cited_hits(confirmed, kind=NoticeKind.TAKEDOWN)
        hits = reviews.hits(h for h in confirmed if h not in taken)
        # A victim who withdrew her hashes withdrew her consent: her hits get no new notice.
        withdrawn = withdrawn_hits(session, (h.id for h in hits))
        hits = [h for h in hits if h.id not in withdrawn]
        directory = PlatformStore(session).directory()
    citations = desk.citations()
    groups: dict[str, tuple[Platform, list[Hit]]] = {}
    result = Drafted()
    for hit in hits:
        owner = platform_of(directory, hit)
        if owner is None and router is not None:
            owner = desk_for(desk.db, router, (hit.location, hit.found_in))
        if owner is None:
            if _is_web(hit.location) or _is_web(hit.found_in):
                result.unassigned.append(hit)
            continue
        if platform is not None and owner.name != platform:
            continue
        groups.setdefault(owner.name, (owner, []))[1].append(hit)
    for owner, owned in groups.values():
        items = [item_for(h, citations) for h in owned]
        result.notices.append(create_notice(desk, owner, NoticeKind.TAKEDOWN, items, now))
    return result
