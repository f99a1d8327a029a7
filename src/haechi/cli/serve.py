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
        no_scheduler: Annotated[
            bool,
            typer.Option(
                "--no-scheduler",
                help="Only serve: leave schedules and scans to another instance of the server.",
            ),
        ] = False,
        job_workers: Annotated[
            int, typer.Option(min=1, max=32, help="Worker processes for jobs (scans, watches).")
        ] = 2,
    ) -> None:
        """Serve the web app and its JSON API until interrupted (Ctrl-C).

        The server also runs due watches, re-checks, repeat notices (drafts) and police report
        reminders on their schedules, and the scans members ask for, in worker processes: one
        server at a time does (a lease in the database), so several may run side by side.
        """
        import uvicorn

        from haechi.web.app import JOB_WORKERS_ENV, SCHEDULER_ENV

        settings = env().settings
        if not _loopback(host):
            err.print(
                "[yellow]warning:[/] listening beyond this machine; serve only behind a TLS "
                "reverse proxy"
            )
        if settings.public_url is None:
            err.print(
                "[yellow]warning:[/] HAECHI_PUBLIC_URL is not set: notices and member cards are "
                "signed as http://localhost:8000, which no one else can check; set it to the "
                "organisation's public https address"
            )
        if workers == 1:
            from haechi.jobs.runner import JobsConfig
            from haechi.web import create_app

            jobs = None if no_scheduler else JobsConfig(workers=job_workers)
            web_app = guarded(lambda: create_app(settings, jobs_config=jobs))
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
        os.environ[SCHEDULER_ENV] = "0" if no_scheduler else "1"
        os.environ[JOB_WORKERS_ENV] = str(job_workers)
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
