"""Health for anyone; metrics only for a scraper on this machine or one that shows the token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from tests.web.conftest import Server

from haechi.settings import Settings


def test_health_answers_anyone(server: Server) -> None:
    live = httpx.get(server.url + "/healthz")
    assert live.status_code == 200 and live.json()["ok"] is True
    ready = httpx.get(server.url + "/readyz")
    body = ready.json()
    assert ready.status_code == (200 if body["ok"] else 503)
    assert {c["check"] for c in body["checks"]} >= {"database", "disk"}


def test_metrics_only_for_this_machine_and_never_through_a_proxy(server: Server) -> None:
    direct = httpx.get(server.url + "/metrics")
    assert direct.status_code == 200, direct.text
    assert "haechi_" in direct.text
    proxied = httpx.get(server.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 404


class TestWithToken:
    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(home=tmp_path / "home", workers=1, metrics_token=SecretStr("s3cret-token"))

    def test_metrics_need_the_token(self, server: Server) -> None:
        assert httpx.get(server.url + "/metrics").status_code == 404
        wrong = {"Authorization": "Bearer nope"}
        assert httpx.get(server.url + "/metrics", headers=wrong).status_code == 404
        right = {"Authorization": "Bearer s3cret-token", "X-Forwarded-For": "203.0.113.9"}
        answer = httpx.get(server.url + "/metrics", headers=right)
        assert answer.status_code == 200 and "haechi_" in answer.text
