"""What acting on hits needs from settings: the mail server, the sender, deadlines, schedules.

A frozen dataclass, built once by the CLI (or a test) and passed down; nothing here reads the
environment. :meth:`NoticeConfig.from_settings` reads the ``HAECHI_NOTICE_*`` / ``HAECHI_SMTP_*``
fields of :class:`~haechi.settings.Settings` when they exist and uses the defaults below when
they do not, so the commands work before those settings are added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from haechi.errors import ConfigError
from haechi.settings import Settings

T = TypeVar("T")


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected."""

    STARTTLS = "starttls"  # plain connection upgraded with STARTTLS (port 587); the default
    SSL = "ssl"  # TLS from the first byte (port 465)
    NONE = "none"  # no TLS: only for a relay on the same machine


@dataclass(frozen=True)
class SmtpConfig:
    """The mail server notices go through. ``password`` is a secret and is never printed."""

    host: str | None = None
    port: int = 587
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: Path | None = None  # trust this CA instead of the system's (a private relay)

    @property
    def configured(self) -> bool:
        """Whether a server is set at all."""
        return bool(self.host)


# Texts that platforms show in place of removed content; matched case-insensitively in the
# body (and the final URL) of a re-checked answer. Platforms add their own in the directory.
DEFAULT_REMOVED_MARKERS: tuple[str, ...] = (
    "삭제된 게시물",
    "삭제된 게시글",
    "존재하지 않는 게시물",
    "게시물이 삭제",
    "접근이 차단",
    "warning.or.kr",
    "content has been removed",
    "this content is no longer available",
    "this post has been removed",
    "file has been removed",
)


@dataclass(frozen=True)
class NoticeConfig:
    """Settings of the notice workflow (see the fields' comments for the setting names)."""

    organisation: str = "haechi"  # HAECHI_NOTICE_ORGANISATION: who signs the notices
    organisation_en: str | None = None  # HAECHI_NOTICE_ORGANISATION_EN: the name in English
    from_address: str | None = None  # HAECHI_NOTICE_FROM: envelope and From: address
    reply_to: str | None = None  # HAECHI_NOTICE_REPLY_TO
    country: str = "KR"  # HAECHI_NOTICE_COUNTRY: whose regulator gets block requests
    deadline: timedelta = timedelta(hours=24)  # HAECHI_NOTICE_DEADLINE_HOURS, per platform too
    recheck_every: timedelta = timedelta(hours=24)  # HAECHI_RECHECK_EVERY_HOURS
    repeats_before_escalation: int = 1  # HAECHI_NOTICE_REPEATS_BEFORE_ESCALATION
    max_repeats: int = 7  # HAECHI_NOTICE_MAX_REPEATS: repeat notices per original at most
    police_answer_days: int = 14  # HAECHI_POLICE_ANSWER_DAYS: when to expect an answer
    police_remind_days: int = 7  # HAECHI_POLICE_REMIND_DAYS: reminder interval while waiting
    removed_markers: tuple[str, ...] = DEFAULT_REMOVED_MARKERS  # HAECHI_REMOVED_MARKERS
    templates_dir: Path | None = None  # HAECHI_NOTICE_TEMPLATES: extra/overriding templates
    pdq_radius: int = 31  # from HAECHI_PDQ_RADIUS: a re-fetched image this close is the same
    allow_hosts: tuple[str, ...] = ()  # from HAECHI_ALLOW_HOSTS: re-checks of private hosts
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    public_url: str | None = None  # HAECHI_PUBLIC_URL: verify links in notices (haechi.trust)

    @property
    def organisation_english(self) -> str:
        """The organisation's name in English texts (its own name when no English one is set)."""
        return self.organisation_en or self.organisation

    def sender(self) -> str:
        """The From: address, or :class:`ConfigError` saying which setting to set."""
        if not self.from_address:
            raise ConfigError(
                "set HAECHI_NOTICE_FROM to the address notices are sent from "
                "(e.g. takedown@your-organisation.example)"
            )
        return self.from_address

    @classmethod
    def from_settings(cls, settings: Settings) -> NoticeConfig:
        """The config from settings."""
        base = cls()
        smtp = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=SmtpSecurity(settings.smtp_security),
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout,
            ca_file=settings.smtp_ca_file,
        )
        return cls(
            organisation=settings.notice_organisation,
            organisation_en=settings.notice_organisation_en,
            from_address=settings.notice_from,
            reply_to=settings.notice_reply_to,
            country=settings.notice_country.upper(),
            deadline=timedelta(hours=settings.notice_deadline_hours),
            recheck_every=timedelta(hours=settings.recheck_every_hours),
            repeats_before_escalation=settings.notice_repeats_before_escalation,
            max_repeats=settings.notice_max_repeats,
            police_answer_days=settings.police_answer_days,
            police_remind_days=settings.police_remind_days,
            removed_markers=tuple(settings.removed_markers or base.removed_markers),
            templates_dir=settings.notice_templates,
            pdq_radius=settings.pdq_radius,
            allow_hosts=tuple(settings.allow_hosts),
            smtp=smtp,
            public_url=settings.public_url,
        )
