"""The end-to-end path over real HTTP agrees with the in-process path on a small run."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from werkzeug.serving import make_server

from api import create_app
from nba.config import Settings
from nba.domain import NO_ACTION_ID
from nba.runtime import build_runtime
from simulator import DEFAULT_OFFERS, Stationary, compare
from simulator.http_client import run_http, sync_offers
from simulator.lineup import TUNED, factory

logging.getLogger("werkzeug").setLevel(logging.WARNING)

POLICY = "vw-squarecb"
STEPS = 1_000
SEEDS = (0, 1)


def _serve(tmp_path: Path, seed: int) -> Iterator[tuple[str, str, str]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / f'nba-{seed}.db'}",
        data_dir=tmp_path,
        seed=seed,
        policy=POLICY,
        policy_params=dict(TUNED.get(POLICY, {})),
        save_interval_s=3600,
    )
    runtime = build_runtime(settings)
    _, crm_key = runtime.keys.create("crm", "simulator")
    _, marketer_key = runtime.keys.create("marketer", "simulator")
    server = make_server("127.0.0.1", 0, create_app(runtime=runtime, start_jobs=False))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", crm_key, marketer_key
    finally:
        server.shutdown()
        thread.join()
        runtime.close()


def test_http_and_in_process_runs_agree(tmp_path: Path) -> None:
    scenario = Stationary(population_size=2_000)
    late = slice(STEPS // 2, None)
    http_rewards, local_rewards, uniform_rewards = [], [], []
    for seed in SEEDS:
        with contextmanager(_serve)(tmp_path, seed) as (url, key, marketer_key):
            created = sync_offers(url, marketer_key, DEFAULT_OFFERS)
            assert set(created) == {o.id for o in DEFAULT_OFFERS} - {NO_ACTION_ID}
            over_http = run_http(scenario, url, key, STEPS, seed=seed, name="http")
        in_process, uniform = compare(
            scenario, {"in-process": factory(POLICY), "random": factory("random")}, STEPS, [seed]
        )
        assert np.array_equal(over_http.customers, in_process.customers)
        assert over_http.log["decision_id"].is_unique
        http_rewards.append(over_http.expected_rewards[late].mean())
        local_rewards.append(in_process.expected_rewards[late].mean())
        uniform_rewards.append(uniform.expected_rewards[late].mean())
    http_reward, local_reward = np.mean(http_rewards), np.mean(local_rewards)
    assert abs(http_reward - local_reward) < 0.03
    assert min(http_reward, local_reward) > 1.4 * np.mean(uniform_rewards)
