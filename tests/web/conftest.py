"""A real ``haechi`` web server on 127.0.0.1 per test, and clients that sign in as people do.

The server runs in a thread (so the test's clock drives it) on a free port bound up front, and
stops when the test ends. Clients speak HTTP to it with httpx, keeping cookies as a browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Browser
from tests.web.browser import launch
from tests.web.serving import serving

from haechi.members.model import Role
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.testkit.team import ManualClock, TeamMember, add_member
from haechi.web import create_app

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Server:
    url: str
    clock: ManualClock
    db: Database
    clients: list[httpx.Client] = field(default_factory=list)

    def add(self, name: str, role: Role = Role.ANALYST) -> TeamMember:
        return add_member(self.db, name, role, now=self.clock())

    def client(self, **headers: str) -> httpx.Client:
        # Generous: Argon2 is slow on a loaded machine, and no test is about time.
        client = httpx.Client(
            base_url=self.url, headers=headers, follow_redirects=False, timeout=120
        )
        self.clients.append(client)
        return client

    def sign_in(self, member: TeamMember, code: str | None = None) -> SignedInClient:
        """A client signed in as ``member`` (password, then a code), with her CSRF token.

        The clock moves on 30 s afterwards, so the next sign-in has a fresh TOTP code.
        """
        client = self.client()
        answer = client.post("/signin", data={"name": member.name, "password": member.password})
        assert answer.status_code == 303, answer.text
        page = client.get("/signin/code")
        match = CSRF_INPUT.search(page.text)
        assert match, page.text
        answer = client.post(
            "/signin/code",
            data={"code": code or member.code(self.clock()), "csrf_token": match.group(1)},
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
        self.clock.advance(timedelta(seconds=30))
        me = client.get("/api/v1/me")
        assert me.status_code == 200, (me.text, client.cookies)
        return SignedInClient(client, me.json()["csrf_token"])


@dataclass
class SignedInClient:
    http: httpx.Client
    csrf: str

    def get(self, path: str, **kw: object) -> httpx.Response:
        return self.http.get(path, **kw)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(path, data={"csrf_token": self.csrf, **(data or {})})

    def send(self, method: str, path: str) -> httpx.Response:
        return self.http.request(method, path, headers={"X-CSRF-Token": self.csrf})

    @property
    def token(self) -> str:
        return next(iter(self.http.cookies.values()))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(settings: Settings, clock: ManualClock) -> Iterator[Server]:
    app = create_app(settings, clock=clock)
    with serving(app) as url:
        running = Server(url, clock, app.state.db)
        try:
            yield running
        finally:
            for client in running.clients:
                client.close()


@pytest.fixture
def team(server: Server) -> Callable[..., TeamMember]:
    return server.add


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (:mod:`tests.web.browser`), one per module: each test opens its pages."""
    with launch() as chromium:
        yield chromium
