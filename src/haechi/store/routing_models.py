"""Tables of jurisdiction routing: registry answers kept with their date, and the abuse desks
routing added to the platform directory.

``routing_lookups`` holds each RDAP answer (an IP network, a domain's registration, a
bootstrap file) as the registry sent it, with where and when it was fetched, so a route can be
shown later with its source and a second route for the same host asks no registry until the
answer is older than the configured age. ``routing_desks`` says, for each site routing sent to a
hosting provider's or registrar's abuse desk, what that desk is responsible for (hosting the
IP, registering the domain) so every notice to it cites it, repeats included.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class RoutingLookupRow(Base):
    """One registry answer: ``kind`` is ip, domain or bootstrap; ``query`` what was asked."""

    __tablename__ = "routing_lookups"
    __table_args__ = (UniqueConstraint("kind", "query", name="uq_routing_lookups_kind_query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    query: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoutingDeskRow(Base):
    """What an abuse desk routing chose is responsible for, for one site's domain."""

    __tablename__ = "routing_desks"
    __table_args__ = (
        UniqueConstraint("platform", "domain", name="uq_routing_desks_platform_domain"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(60), index=True)
    domain: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    resource: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime)
