"""The public names of the packages resolve, and settings reach the notice config."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

import haechi.cases
import haechi.notices
from haechi.notices import NoticeConfig, SmtpSecurity
from haechi.settings import Settings


@pytest.mark.parametrize("module", [haechi.notices, haechi.cases])
def test_every_exported_name_resolves(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    for name in names:
        assert getattr(module, name) is not None, name
    with pytest.raises(AttributeError):
        module.no_such_name  # type: ignore[attr-defined]  # noqa: B018


class _WithNoticeSettings(Settings):
    """Settings once the fields the notice workflow reads are added (see NoticeConfig)."""

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    notice_from: str | None = None
    notice_organisation: str = "haechi"
    notice_deadline_hours: float = 24
    recheck_every_hours: float = 24


def test_config_reads_settings_when_they_exist(tmp_path: Path) -> None:
    plain = NoticeConfig.from_settings(Settings(home=tmp_path, allow_hosts=["127.0.0.1"]))
    assert plain.smtp.host is None and plain.deadline == timedelta(hours=24)
    assert plain.allow_hosts == ("127.0.0.1",)
    extended = _WithNoticeSettings(
        home=tmp_path,
        smtp_host="mail.centre.example",
        smtp_port=465,
        smtp_security="ssl",
        smtp_username="centre",
        smtp_password=SecretStr("s3cret"),
        notice_from="takedown@centre.example",
        notice_organisation="Centre",
        notice_deadline_hours=12,
        recheck_every_hours=6,
        pdq_radius=20,
    )
    config = NoticeConfig.from_settings(extended)
    assert config.smtp.host == "mail.centre.example" and config.smtp.port == 465
    assert config.smtp.security is SmtpSecurity.SSL and config.smtp.password == "s3cret"
    assert "s3cret" not in repr(config)
    assert config.sender() == "takedown@centre.example" and config.organisation == "Centre"
    assert config.deadline == timedelta(hours=12) and config.recheck_every == timedelta(hours=6)
    assert config.pdq_radius == 20
