"""``haechi route URL [--json]`` through the real CLI, against the recorded registries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from haechi.cli import app
from tests.routing.rdapkit import Registry

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, fresh_registry: Registry) -> dict[str, str]:
    return {
        "HAECHI_HOME": str(tmp_path / "home"),
        "HAECHI_ROUTING_BOOTSTRAP_URL": fresh_registry.bootstrap_url,
        "HAECHI_ROUTING_MIN_INTERVAL": "0",
    }


def test_route_json_names_the_desk_and_language(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["route", "http://200.57.141.161/v/1.jpg", "--json"], env=env)
    assert result.exit_code == 0, result.output
    route = json.loads(result.stdout.strip().splitlines()[-1])
    assert route["channel"] == "host" and route["language"] == "es"
    assert route["country"] == "MX" and route["private"] is False and route["complete"] is True
    (desk,) = route["desks"]
    assert desk["email"] == "operacion.redes@triara.com"
    assert desk["responsible_for"].startswith("200.57.141.161 (network Triara.com")
    assert route["network"]["fetched_at"] and "lacnic" in route["network"]["source"]


def test_route_prints_for_a_person(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["route", "http://210.107.73.73/a.jpg"], env=env)
    assert result.exit_code == 0, result.output
    assert "channel: host" in result.stdout and "language: ko" in result.stdout
    assert "abuse@bora.net" in result.stdout


def test_route_refuses_a_private_address(env: dict[str, str], fresh_registry: Registry) -> None:
    result = runner.invoke(app, ["route", "http://127.0.0.1:8080/a.jpg", "--json"], env=env)
    assert result.exit_code == 3, result.output
    route = json.loads(result.stdout.strip().splitlines()[-1])
    assert route["private"] is True and route["desks"] == []
    assert not fresh_registry.hits
    bad = runner.invoke(app, ["route", "mailto:someone@example.org"], env=env)
    assert bad.exit_code == 2 and "http" in bad.output


def test_a_failed_lookup_is_reported_not_a_crash(
    env: dict[str, str], fresh_registry: Registry
) -> None:
    fresh_registry.overrides["rdap.apnic.net/ip/210.107.73.73"] = (503, b"down")
    result = runner.invoke(app, ["route", "http://210.107.73.73/a.jpg"], env=env)
    assert result.exit_code == 1, result.output
    assert "channel: none found" in result.stdout and "HTTP 503" in result.stderr
