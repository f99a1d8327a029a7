"""Tables that keep a team's concurrent writers apart (issue 20: PostgreSQL for teams).

``notice_deliveries`` holds one row per notice that a sending run has taken: the row is the
claim (its primary key is the notice), written and committed before the e-mail goes out, so
that two runs (the scheduler and a person pressing send, or two servers) never send one
notice twice, and a notice being sent cannot be discarded under the sender.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class NoticeDeliveryRow(Base):
    """A sending run's claim on one approved notice; ``delivered_at`` once it went out."""

    __tablename__ = "notice_deliveries"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str] = mapped_column(String(100))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
