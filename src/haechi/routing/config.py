"""Routing settings: where the registries' bootstrap lives, how long answers are kept, how
often one registry server is asked. Environment variables ``HAECHI_ROUTING_*``."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RoutingSettings(BaseSettings):
    """Typed routing settings with their defaults."""

    model_config = SettingsConfigDict(env_prefix="HAECHI_ROUTING_", extra="ignore")

    bootstrap_url: str = Field(
        "https://data.iana.org/rdap/",
        description="IANA's RDAP bootstrap folder (dns.json, ipv4.json, ipv6.json)",
    )
    timeout: float = Field(10.0, gt=0, description="seconds to wait for one registry answer")
    cache_days: float = Field(
        7.0, ge=0, description="days a registry answer is reused before asking again"
    )
    min_interval: float = Field(
        1.0, ge=0, description="seconds between two requests to the same registry server"
    )
    user_agent: str = Field("haechi-routing (RDAP)", description="User-Agent sent to registries")
