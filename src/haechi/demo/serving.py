"""The demo's last step: the team server over the demo's home, on 127.0.0.1, until Ctrl-C.

A demo admin (made here, or kept from an earlier run) signs in by a one-time link printed on
the terminal; every page says DEMO. The server runs its schedules and workers like a real one,
so a scan asked for on its jobs page runs (the demo's board on 127.0.0.1 may be scanned).
"""

from __future__ import annotations

import secrets
import socket
from contextlib import suppress

from sqlalchemy import select

from haechi.demo import show
from haechi.demo.signin import LIFETIME, DemoSignIn
from haechi.demo.world import World
from haechi.members.model import Actor, Role
from haechi.members.service import create_member
from haechi.store.member_models import MemberRow
from haechi.store.models import utcnow

ADMIN = "demo-admin"


def demo_admin(w: World) -> int:
    """The demo admin's id (a random password nobody needs: she signs in by the link)."""
    with w.db.session() as session:
        found = session.scalar(select(MemberRow.id).where(MemberRow.name == ADMIN))
        if found is not None:
            return found
        made = create_member(
            session,
            Actor.console(),
            ADMIN,
            secrets.token_urlsafe(24),
            role=Role.ADMIN,
            now=utcnow(),
        )
        return made.member.id


def _socket(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port``, or on a free port when that one is taken."""
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
    return sock


def serve_web(w: World, port: int = 8000) -> None:
    """Serve the web app over the demo's home until interrupted; print the sign-in link."""
    import uvicorn

    from haechi.jobs.runner import JobsConfig
    from haechi.web import create_app

    link, token = DemoSignIn.issue(w.home, demo_admin(w), utcnow())
    app = create_app(w.settings, jobs_config=JobsConfig(workers=1), demo_link=link)
    sock = _socket(port)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    show.step(w.out, 9, "The team server", "팀 서버")
    show.say(w.out, f"the web app over the demo's home: {url}/ (marked DEMO on every page)")
    show.say(
        w.out,
        f"sign in as {ADMIN}, once, within {int(LIFETIME.total_seconds() // 60)} minutes:",
    )
    w.out.print(f"  {url}/demo/signin/{token}", soft_wrap=True, highlight=False)
    show.say(w.out, "press Ctrl-C to stop the server, the board and the mail server")
    w.out.file.flush()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", server_header=False, lifespan="on")
    )
    try:
        # uvicorn stops gracefully on Ctrl-C, then raises it again: the demo ends normally.
        with suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        sock.close()
