"""Shared fixtures; hypothesis runs derandomized (reproducible) under HYPOTHESIS_PROFILE=ci."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def no_default_store(monkeypatch):
    """No test stores into, or reads, a history store named by the environment ($EVALKIT_STORE)."""
    monkeypatch.delenv("EVALKIT_STORE", raising=False)


@pytest.fixture(scope="session")
def cache_home(tmp_path_factory):
    return tmp_path_factory.mktemp("cache-home")


@pytest.fixture(autouse=True)
def own_cache_dir(monkeypatch, cache_home):
    """The schema cache (evalkit.definition.schema_cache) of the tests is theirs, never the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))


@pytest.fixture
def quickstart():
    """Paths of the quickstart example: (scorecard, data, units)."""
    base = EXAMPLES / "quickstart"
    return base / "scorecard.yaml", base / "data.csv", base / "units.csv"


@pytest.fixture(scope="session")
def registry():
    import evalkit

    return evalkit.default_registry()
