"""Fixtures of the Personalizer tests: a runtime on a controlled clock, keys, bodies."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from nba.config import Settings
from nba.runtime import Runtime, build_runtime
from tests.clock import ManualClock
from tests.databases import KINDS, database_url


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    """The time every part of the module's runtime reads."""
    return ManualClock()


@pytest.fixture(scope="module", params=KINDS)
def loop_runtime(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, clock: ManualClock
) -> Iterator[Runtime]:
    """One runtime per module on `clock` (no scheduler): each test uses loops of its own,
    which share nothing, so the migrations run once per module."""
    folder = tmp_path_factory.mktemp("loops")
    with database_url(request.param, folder) as url:
        settings = Settings(database_url=url, data_dir=folder, seed=7, save_interval_s=3600)
        built = build_runtime(settings, clock=clock)
        yield built
        built.close()


@pytest.fixture(scope="module")
def loop_app(loop_runtime: Runtime) -> Flask:
    """The app around `loop_runtime` (jobs not started)."""
    return create_app(runtime=loop_runtime, start_jobs=False)


@pytest.fixture
def http(loop_app: Flask) -> FlaskClient:
    """A test client of `loop_app`."""
    return loop_app.test_client()


@pytest.fixture
def loop(request: pytest.FixtureRequest) -> str:
    """A loop name of this test's own."""
    return "t" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]


@pytest.fixture
def key(loop_runtime: Runtime, loop: str) -> Callable[..., dict[str, str]]:
    """`key(name=None, role="personalizer")`: a subscription-key header of a fresh key of
    the loop `name` (by default this test's `loop`; "default" for a key bound to none)."""

    def make(name: str | None = None, role: str = "personalizer") -> dict[str, str]:
        made, secret = loop_runtime.keys.create(role, "personalizer test")
        name = loop if name is None else name
        if name != "default":
            loops = loop_runtime.personalizer.loops
            if name not in loops.names():
                loops.create(name)
            loops.bind_key(made.id, name)
        return {"Ocp-Apim-Subscription-Key": secret}

    return make


def rank_body(n_actions: int = 3, **extra: Any) -> dict[str, Any]:
    """A rank request with `n_actions` actions and a two-namespace context."""
    return {
        "contextFeatures": [{"time": {"of_day": "morning"}}, {"user": {"plan": "gold"}}],
        "actions": [
            {"id": f"a{i}", "features": [{"item": {"kind": f"k{i}", "price": i + 1.0}}]}
            for i in range(n_actions)
        ],
        **extra,
    }
