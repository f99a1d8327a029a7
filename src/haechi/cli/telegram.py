"""``haechi telegram-login``: the analyst's own Telegram session, made once."""

from __future__ import annotations

import typer

from haechi.cli.common import EnvFactory, fail, out
from haechi.errors import ConfigError


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi telegram-login`` to ``app``."""

    @app.command("telegram-login")
    def telegram_login() -> None:
        """Log in once with the analyst's own Telegram account, creating the session file.

        Needs HAECHI_TELEGRAM_API_ID, HAECHI_TELEGRAM_API_HASH and HAECHI_TELEGRAM_SESSION; asks
        for the phone number and the login code. The session file is a credential: keep it out
        of every repository and share drive.
        """
        settings = env().settings
        if not (
            settings.telegram_api_id and settings.telegram_api_hash and settings.telegram_session
        ):
            raise fail(
                ConfigError(
                    "set HAECHI_TELEGRAM_API_ID, HAECHI_TELEGRAM_API_HASH and "
                    "HAECHI_TELEGRAM_SESSION (from my.telegram.org) first"
                )
            )
        from telethon.sync import TelegramClient  # type: ignore[import-untyped]

        session = str(settings.telegram_session)
        api_hash = settings.telegram_api_hash.get_secret_value()
        with TelegramClient(session, settings.telegram_api_id, api_hash) as client:
            me = client.get_me()
        out.print(f"logged in as {getattr(me, 'username', None) or 'this account'}; session saved")
