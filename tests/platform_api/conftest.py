"""A real server on 127.0.0.1 with shared banks and platform keys, for the platform API tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from haechi.banks.model import NewEntry
from haechi.hashing.signals import Signal, SignalKind
from haechi.members.model import Actor
from haechi.platform_api.keys import create_key
from haechi.platform_api.sharing import share_bank
from haechi.settings import Settings
from haechi.store.banks import BankStore
from haechi.testkit.team import ManualClock
from haechi.web import create_app
from tests.web.serving import serving


def random_hex(rng: np.random.Generator, n_bytes: int = 32) -> str:
    return bytes(rng.integers(0, 256, n_bytes, dtype=np.uint8)).hex()


def flip(hex_hash: str, bits: int) -> str:
    """The hash with its first ``bits`` bits inverted."""
    value = int(hex_hash, 16) ^ (((1 << bits) - 1) << (256 - bits))
    return f"{value:064x}"


@dataclass
class ApiServer:
    url: str
    app: FastAPI
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=60)
        self.clients.append(client)
        return client

    def key(self, platform: str = "pics", **limits: int) -> str:
        with self.app.state.db.session() as session:
            made = create_key(session, Actor.console(), platform, **limits)  # type: ignore[arg-type]
        return made.secret

    def refreshed(self) -> None:
        """Wait until the worker's index matches the database (after a share or feedback)."""
        holder = self.app.state.platform_api.holder
        holder.refresh()


@dataclass(frozen=True)
class Bank:
    pdq: list[str]  # shared entries' PDQ hashes, entry ids below
    entries: list[int]
    md5: str
    private_pdq: str  # in a bank that is not shared


def fill_banks(server: ApiServer, seed: int = 7) -> Bank:
    rng = np.random.default_rng(seed)
    db = server.app.state.db
    pdqs = [random_hex(rng) for _ in range(20)]
    md5 = random_hex(rng, 16)
    private = random_hex(rng)
    with db.session() as session:
        store = BankStore(session)
        store.create("victims-seoul")
        store.create("private")
        added = store.add_entries(
            "victims-seoul",
            [NewEntry((Signal(SignalKind.PDQ, h, 100),), label="set 1") for h in pdqs]
            + [NewEntry((Signal(SignalKind.MD5, md5),), label="exact")],
        )
        store.add_entries("private", [NewEntry((Signal(SignalKind.PDQ, private, 100),))])
        share_bank(session, Actor.console(), "victims-seoul", "KR-NCII")
    server.refreshed()
    return Bank(pdqs, [e.id for e in added], md5, private)


@pytest.fixture
def api_server(settings: Settings) -> Iterator[ApiServer]:
    app = create_app(settings, clock=ManualClock())
    with serving(app) as url:
        running = ApiServer(url, app)
        try:
            yield running
        finally:
            for client in running.clients:
                client.close()
