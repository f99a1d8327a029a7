"""The desk: what every action on hits needs, handed over once.

A :class:`Desk` holds the database, the notice settings, the clock (injectable, so tests and
statistics run on known times), the evidence configuration (captures are cited and notice
events logged there) and the delivery channels. The functions of this package take a desk
and open their own sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from haechi.evidence import EvidenceConfig
from haechi.members.model import Actor
from haechi.notices.channels import NoticeChannel, channels
from haechi.notices.citations import Citations
from haechi.notices.config import NoticeConfig
from haechi.notices.model import Channel
from haechi.notices.render import Renderer
from haechi.store.database import Database
from haechi.store.models import utcnow

if TYPE_CHECKING:
    from haechi.trust.notary import Notary


@dataclass
class Desk:
    """The database, settings, clock, evidence and channels of one invocation."""

    db: Database
    config: NoticeConfig = field(default_factory=NoticeConfig)
    clock: Callable[[], datetime] = utcnow
    evidence: EvidenceConfig | None = None
    channel_overrides: Mapping[Channel, NoticeChannel] | None = None
    actor: Actor = field(default_factory=Actor.console)  # who acts: audited with what leaves

    @cached_property
    def renderer(self) -> Renderer:
        """The template renderer (the organisation's folder first)."""
        return Renderer(self.config.templates_dir)

    @cached_property
    def channels(self) -> Mapping[Channel, NoticeChannel]:
        """Delivery channels by name."""
        return self.channel_overrides or channels(self.config, self.notary)

    @cached_property
    def notary(self) -> Notary | None:
        """Signs notices and police packages with the home's trust keys (none without one)."""
        if self.evidence is None:
            return None
        from haechi.trust.notary import notary_for

        return notary_for(
            self.db,
            self.evidence.home,
            self.evidence.key_passphrase,
            self.config.public_url,
            self.config.organisation,
            self.evidence.key_file,
        )

    def citations(self) -> Citations:
        """Captures by hit: their ids from the database, their records fresh from the log."""
        return Citations.of(self.evidence, self.db)
