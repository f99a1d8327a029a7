"""Settings, read once at start from ``HAECHI_*`` environment variables and passed down.

Modules never read the environment themselves: the CLI builds one :class:`Settings` and hands
it to what it calls, so a test can build its own without touching ``os.environ``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from haechi.errors import ConfigError


def split_list(value: Any) -> Any:
    """A list setting as people type it: ``a,b`` or a JSON list ``["a", "b"]``.

    Text that starts with ``[`` is read as JSON (for items that contain commas); any other
    text is split on commas, blanks around items dropped. Non-text values pass unchanged.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"not a JSON list ({exc.msg}); or give items separated by commas"
            ) from None
    return [item.strip() for item in text.split(",") if item.strip()]


# A list of strings read from one environment variable, comma-separated or JSON.
TextList = Annotated[list[str], NoDecode, BeforeValidator(split_list)]


class Settings(BaseSettings):
    """Everything haechi can be told; each field is the env var ``HAECHI_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="HAECHI_", extra="ignore")

    home: Path = Field(
        default=Path("haechi-data"),
        description="Folder that holds all state: database, index files, evidence.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database; default a SQLite file under home.",
    )
    pdq_radius: int = Field(
        default=31, ge=0, le=128, description="Largest PDQ Hamming distance that is a match."
    )
    pdq_min_quality: int = Field(
        default=50,
        ge=0,
        le=100,
        description="PDQ hashes below this quality are kept but flagged and not matched.",
    )
    max_pixels: int = Field(
        default=150_000_000, ge=1, description="Images with more pixels are refused (bombs)."
    )
    max_file_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1, description="Media files larger than this are not decoded."
    )
    exact_decode: bool = Field(
        default=False,
        description=(
            "Decode JPEGs at full size before PDQ (bit-exact with Meta's reference tool) "
            "instead of the faster DCT-scaled decode."
        ),
    )
    workers: int = Field(default=0, ge=0, description="Hashing processes; 0 means one per core.")
    ray_address: str | None = Field(
        default=None,
        description="host:port of the Ray cluster that `haechi scan --runner ray` uses (started "
        "with `ray start --head`); none is ever started for you.",
    )
    allow_hosts: TextList = Field(
        default_factory=list,
        description=(
            "Hosts, addresses or networks fetched although they are not public, separated by "
            "commas (e.g. 127.0.0.1,10.0.0.0/8) or as a JSON list; everything private is "
            "refused otherwise."
        ),
    )
    user_agent: str | None = Field(
        default=None, description="User-Agent of every fetch; default names haechi."
    )
    telegram_api_id: int | None = Field(
        default=None, description="Telegram API id of the analyst's own account."
    )
    telegram_api_hash: SecretStr | None = Field(
        default=None, description="Telegram API hash (a secret; never logged)."
    )
    telegram_session: Path | None = Field(
        default=None, description="Telethon session file, created by logging in once."
    )
    evidence_capture: bool = Field(
        default=True, description="Capture page and media as sealed evidence for every web hit."
    )
    evidence_screenshots: bool = Field(
        default=True, description="Take a full-page screenshot in headless Chromium too."
    )
    evidence_key_file: Path | None = Field(
        default=None,
        description="The organisation's Ed25519 key; default <home>/evidence/signing-key.pem.",
    )
    key_passphrase: SecretStr | None = Field(
        default=None,
        description="Passphrase that encrypts the signing key file at rest (secret; never logged).",
    )
    data_key_file: Path | None = Field(
        default=None,
        description="The key that seals victims' personal data and bank labels (0600, best "
        "outside the home); default <home>/keys/data.key, made at first use.",
    )
    data_key: SecretStr | None = Field(
        default=None,
        description="The data key(s) in base64 instead of a key file, the current one first, "
        "separated by commas (secret; never logged).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus shows to read /metrics; without it, /metrics "
        "answers only clients on this machine that did not come through a proxy.",
    )
    evidence_origin: str = Field(
        default="haechi", description="Names the evidence log in checkpoints (your domain)."
    )
    evidence_checkpoint_every: int = Field(
        default=100, ge=0, description="Log entries between signed checkpoints."
    )
    evidence_tsa_url: str | None = Field(
        default=None, description="RFC 3161 time-stamping authority for checkpoints."
    )
    evidence_trusted_keys: TextList = Field(
        default_factory=list,
        description="Published key ids that verify trusts, separated by commas.",
    )
    chromium_path: Path = Field(
        default=Path("/usr/bin/chromium"), description="Headless Chromium for screenshots."
    )
    smtp_host: str | None = Field(default=None, description="SMTP server that sends notices.")
    smtp_port: int = Field(default=587, description="SMTP port.")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="How the SMTP connection is protected."
    )
    smtp_username: str | None = Field(default=None, description="SMTP login.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password (secret).")
    smtp_timeout: float = Field(default=30.0, gt=0, description="SMTP timeout, seconds.")
    smtp_ca_file: Path | None = Field(default=None, description="CA bundle for the SMTP server.")
    notice_from: str | None = Field(default=None, description="From address of notices.")
    notice_reply_to: str | None = Field(default=None, description="Reply-To of notices.")
    notice_organisation: str = Field(
        default="haechi", description="Organisation named in notices and reports."
    )
    notice_organisation_en: str | None = Field(
        default=None,
        description="The organisation's name in English, for the English text of notices "
        "(default: notice_organisation).",
    )
    notice_country: str = Field(
        default="KR", description="Country whose regulator receives escalations."
    )
    notice_deadline_hours: float = Field(
        default=24, gt=0, description="Hours a platform has before a repeat notice."
    )
    recheck_every_hours: float = Field(
        default=24, gt=0, description="Hours between re-checks of reported URLs."
    )
    notice_repeats_before_escalation: int = Field(
        default=1, ge=0, description="Unheeded repeats before the regulator is asked to block."
    )
    notice_max_repeats: int = Field(default=7, ge=0, description="Most repeat notices per URL.")
    police_answer_days: int = Field(
        default=14, ge=1, description="Days the police are given to answer a report."
    )
    police_remind_days: int = Field(
        default=7, ge=1, description="Days between reminders while a report waits."
    )
    removed_markers: TextList | None = Field(
        default=None,
        description=(
            "Texts of removed-content pages, separated by commas or as a JSON list (for texts "
            "with commas); default a built-in list."
        ),
    )
    notice_templates: Path | None = Field(
        default=None, description="Folder of notice templates overriding the bundled ones."
    )
    public_url: str | None = Field(
        default=None,
        description="The organisation's public address (https://example.org): its did:web "
        "identity, the verify links in notices and on member cards; default the address the "
        "server is reached at (http://localhost:8000 for commands).",
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<home>/haechi.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'haechi.db').resolve()}"


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a :class:`ConfigError` naming it."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"HAECHI_{str(e['loc'][0]).upper() if e['loc'] else ''}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise ConfigError(f"bad setting: {problems}") from None
    except SettingsError as exc:
        raise ConfigError(f"bad setting: {exc}") from None
