"""The production compose file is valid and keeps Rasa off the host network."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from scripts.procs import ROOT

COMPOSE = ROOT / "docker-compose.yml"


def _compose(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail("docker-compose is not installed: `make test` installs Debian's docker-compose package")
    full_env = {k: v for k, v in os.environ.items() if k != "ALLOWED_ORIGINS"} | env
    return subprocess.run([exe, "-f", str(COMPOSE), *args], capture_output=True, text=True, env=full_env, check=False)


def test_compose_file_is_valid() -> None:
    result = _compose("config", "-q", ALLOWED_ORIGINS="https://www.example.gov.sa")
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_allowed_origins() -> None:
    result = _compose("config", "-q")
    assert result.returncode != 0
    assert "ALLOWED_ORIGINS" in result.stderr


def test_only_nginx_is_published_and_everything_waits_for_health() -> None:
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"nginx"}
    for name in ("handoff", "rasa", "actions"):  # the scaled topology: two of each behind nginx
        assert services[name]["deploy"]["replicas"] >= 2, name
    assert services["handoff"]["environment"]["TRUST_PROXY"] == "true"
    for name, svc in services.items():
        assert "healthcheck" in svc, f"{name} has no healthcheck"
        for dep in (svc.get("depends_on") or {}).values():
            assert dep["condition"] == "service_healthy"
    assert "--appendonly" in services["redis"]["command"]
    assert any(v.startswith("redis-data:") for v in services["redis"]["volumes"])


def test_analytics_consumer_and_its_postgres_stay_private() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    analytics, postgres = services["analytics"], services["postgres"]
    assert not analytics.get("ports") and not postgres.get("ports")
    assert analytics["environment"]["ANALYTICS_DB_URL"].startswith("postgresql+psycopg://")
    assert set(analytics["depends_on"]) == {"redis", "postgres"}
    assert "migrate" in " ".join(analytics["command"])
