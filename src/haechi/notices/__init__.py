"""Acting on hits: review, notices to platforms, re-checks, escalation and statistics.

The flow after a hit: a person confirms it (:mod:`review`), it is assigned to a platform by
its URL's domain (:mod:`platforms`), drafted with the platform's other confirmed hits into one
notice in the platform's language (:mod:`drafting`, :mod:`render`), approved and sent by
e-mail or pasted into a web form (:mod:`sending`, :mod:`channels`), re-checked until it is
gone (:mod:`recheck`), repeated and escalated to the regulator when it is not
(:mod:`followup`), and counted (:mod:`stats`, :mod:`charts`). Every step is timed with an
injectable clock and, once a notice is out, logged on the captures it cites.

The modules that use the stores are exported lazily: :mod:`haechi.store.notices` imports this
package's types, and an eager import here would make that a cycle.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from haechi.notices.channels import Delivery, EmailChannel, NoticeChannel, WebFormChannel
from haechi.notices.config import NoticeConfig, SmtpConfig, SmtpSecurity
from haechi.notices.desk import Desk
from haechi.notices.errors import (
    ActionError,
    CaseError,
    DeliveryError,
    IllegalTransition,
    NoticeError,
    PlatformError,
    PlatformFileError,
    ReportError,
    ReviewError,
)
from haechi.notices.model import (
    Channel,
    CheckOutcome,
    Decision,
    Notice,
    NoticeItem,
    NoticeKind,
    NoticeStatus,
    Recheck,
    Review,
)
from haechi.notices.platforms import (
    Platform,
    PlatformDirectory,
    PlatformKind,
    dump_platforms,
    parse_platforms,
    starter_platforms,
)
from haechi.notices.render import Renderer

if TYPE_CHECKING:
    from haechi.notices.drafting import Drafted, draft_notices
    from haechi.notices.followup import FollowUps, follow_up
    from haechi.notices.recheck import RecheckRun, run_rechecks
    from haechi.notices.review import HitFilter, decide, decide_all, queue
    from haechi.notices.sending import Mark, SendResult, approve, discard, mark, send
    from haechi.notices.stats import PlatformStats, platform_stats

_LAZY = {
    "Drafted": "drafting",
    "draft_notices": "drafting",
    "FollowUps": "followup",
    "follow_up": "followup",
    "RecheckRun": "recheck",
    "run_rechecks": "recheck",
    "HitFilter": "review",
    "decide": "review",
    "decide_all": "review",
    "queue": "review",
    "Mark": "sending",
    "SendResult": "sending",
    "approve": "sending",
    "discard": "sending",
    "mark": "sending",
    "send": "sending",
    "PlatformStats": "stats",
    "platform_stats": "stats",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'haechi.notices' has no attribute {name!r}")
    return getattr(importlib.import_module(f"haechi.notices.{module}"), name)


__all__ = [
    "ActionError",
    "CaseError",
    "Channel",
    "CheckOutcome",
    "Decision",
    "Delivery",
    "DeliveryError",
    "Desk",
    "Drafted",
    "EmailChannel",
    "FollowUps",
    "HitFilter",
    "IllegalTransition",
    "Mark",
    "Notice",
    "NoticeChannel",
    "NoticeConfig",
    "NoticeError",
    "NoticeItem",
    "NoticeKind",
    "NoticeStatus",
    "Platform",
    "PlatformDirectory",
    "PlatformError",
    "PlatformFileError",
    "PlatformKind",
    "PlatformStats",
    "Recheck",
    "RecheckRun",
    "Renderer",
    "ReportError",
    "Review",
    "ReviewError",
    "SendResult",
    "SmtpConfig",
    "SmtpSecurity",
    "WebFormChannel",
    "approve",
    "decide",
    "decide_all",
    "discard",
    "draft_notices",
    "dump_platforms",
    "follow_up",
    "mark",
    "parse_platforms",
    "platform_stats",
    "queue",
    "run_rechecks",
    "send",
    "starter_platforms",
]
