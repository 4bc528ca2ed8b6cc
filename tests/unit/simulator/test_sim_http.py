"""The end-to-end path over real HTTP agrees with the in-process path on a small run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from werkzeug.serving import make_server

from api import create_app
from nba.config import Settings
from nba.domain import NO_ACTION_ID
from nba.runtime import build_runtime
from simulator import DEFAULT_OFFERS, Stationary, compare
from simulator.http_client import run_http
from simulator.lineup import factory

POLICY = "vw-squarecb"
STEPS = 1_200


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A live nba service on 127.0.0.1 with the simulator's catalog: (base URL, crm key)."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'nba.db'}",
        data_dir=tmp_path,
        seed=3,
        policy=POLICY,
        save_interval_s=3600,
    )
    runtime = build_runtime(settings)
    for offer in DEFAULT_OFFERS:
        if offer.id != NO_ACTION_ID:
            runtime.catalog.add(
                {
                    "id": offer.id,
                    "name": offer.name,
                    "category": offer.category,
                    "cost": offer.cost,
                    "value": offer.value,
                    "features": dict(offer.features),
                }
            )
    _, key = runtime.keys.create("crm", "simulator")
    server = make_server("127.0.0.1", 0, create_app(runtime=runtime, start_jobs=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", key
    finally:
        server.shutdown()
        thread.join()
        runtime.close()


def test_http_and_in_process_runs_agree(service: tuple[str, str]) -> None:
    url, key = service
    scenario = Stationary(population_size=2_000)
    over_http = run_http(scenario, url, key, STEPS, seed=0, name="http")
    in_process, uniform = compare(
        scenario, {"in-process": factory(POLICY), "random": factory("random")}, STEPS, [0]
    )
    assert np.array_equal(over_http.customers, in_process.customers)
    assert set(over_http.log["offer_id"]) <= {o.id for o in DEFAULT_OFFERS}
    late = slice(STEPS // 2, None)
    http_reward = over_http.expected_rewards[late].mean()
    local_reward = in_process.expected_rewards[late].mean()
    print(http_reward, local_reward, uniform.expected_rewards[late].mean(), over_http.elapsed_s)
    assert abs(http_reward - local_reward) < 0.04
    assert min(http_reward, local_reward) > 1.2 * uniform.expected_rewards[late].mean()
