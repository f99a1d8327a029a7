"""``haechi serve``: the team server (FastAPI under uvicorn), on 127.0.0.1:8000 by default.

Bind to loopback and put a TLS reverse proxy in front (see the README): uvicorn trusts the
``X-Forwarded-For`` and ``X-Forwarded-Proto`` headers only from ``--forwarded-allow-ips``, so
cookies are ``Secure`` and named ``__Host-haechi`` exactly when the proxy says TLS.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from haechi.cli.common import EnvFactory, err, guarded


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi serve`` to ``app``."""

    @app.command("serve")
    def serve_cmd(
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
        workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
        forwarded_allow_ips: Annotated[
            str, typer.Option(help="Proxies whose X-Forwarded-* headers are trusted.")
        ] = "127.0.0.1",
    ) -> None:
        """Serve the web app and its JSON API until interrupted (Ctrl-C)."""
        import uvicorn

        settings = env().settings
        if not _loopback(host):
            err.print(
                "[yellow]warning:[/] listening beyond this machine; serve only behind a TLS "
                "reverse proxy"
            )
        if workers == 1:
            from haechi.web import create_app

            web_app = guarded(lambda: create_app(settings))
            uvicorn.run(
                web_app,
                host=host,
                port=port,
                proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips,
                server_header=False,
            )
            return
        from haechi.store.database import open_database

        # Migrate once, before the workers start, so that they do not race to do it; each
        # worker builds its app from the environment, so hand it this invocation's home.
        guarded(lambda: open_database(settings)).close()
        os.environ["HAECHI_HOME"] = str(settings.home.resolve())
        uvicorn.run(
            "haechi.web.app:app_from_environment",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            server_header=False,
        )
