"""Fixtures shared by service, contract and end-to-end tests: settings, runtime, app, keys.

Also the hypothesis profile: `ci` when CI is set (or HYPOTHESIS_PROFILE=ci), else `default`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import hypothesis
import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from nba.config import Settings
from nba.runtime import Runtime, build_runtime
from tests.databases import KINDS, database_url

# CI runs every property test on the same examples (derandomised, no example database), so a
# red run is the code's doing and repeats; locally hypothesis explores afresh each run.
hypothesis.settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.too_slow],
)
hypothesis.settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)

SAMPLE_OFFERS = [
    {"id": "discount_10", "name": "10% bill discount", "category": "discount", "cost": 5.0,
     "value": 30.0, "features": {"discount_pct": 10, "channel": "any"},
     "eligibility": {"churn_min": 0.3}},
    {"id": "device_upgrade", "name": "Device upgrade", "category": "device", "cost": 40.0,
     "features": {"device": "flagship"}},
    {"id": "loyalty", "name": "Loyalty programme", "category": "loyalty", "cost": 2.0,
     "eligibility": {"conditions": [{"field": "tenure_months", "op": "ge", "value": 12}]}},
]  # fmt: skip


@pytest.fixture(params=KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL at the schema's head (a copy of a migrated template): SQLite, and
    PostgreSQL when NBA_TEST_DATABASE_URL answers."""
    with database_url(request.param, tmp_path, migrated=True) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """An empty SQLite database URL only."""
    with database_url("sqlite", tmp_path) as url:
        yield url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own database, a fixed seed, no background saves."""
    return Settings(database_url=db_url, data_dir=tmp_path, seed=7, save_interval_s=3600)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A built runtime with the sample offers."""
    built = build_runtime(settings)
    for spec in SAMPLE_OFFERS:
        built.catalog.add(spec)
    yield built
    built.close()


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    """The Flask app around the runtime (scheduler not started)."""
    return create_app(runtime=runtime, start_jobs=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client speaking real HTTP semantics through Flask."""
    return app.test_client()


@pytest.fixture
def headers(runtime: Runtime) -> Callable[[str], dict[str, str]]:
    """`headers(role)`: an Authorization header with a fresh key of that role."""
    made: dict[str, str] = {}

    def for_role(role: str) -> dict[str, str]:
        if role not in made:
            _, made[role] = runtime.keys.create(role, f"test {role}")
        return {"Authorization": f"Bearer {made[role]}"}

    return for_role


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator."""
    return np.random.default_rng(20261123)
