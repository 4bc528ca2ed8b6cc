"""The simulator over real HTTP: it agrees with the in-process path and reports retention."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from nba.config import Settings
from nba.domain import NO_ACTION_ID
from simulator import DEFAULT_OFFERS, Delayed, Stationary, compare
from simulator.http_client import run_http, sync_offers
from simulator.lineup import TUNED, factory
from simulator.retention import RETENTION_SCALE
from tests.e2e.live import live_service

POLICY = "vw-squarecb"
STEPS = 1_000
SEEDS = (0, 1)


def _settings(tmp_path: Path, seed: int) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / f'nba-{seed}.db'}",
        data_dir=tmp_path,
        seed=seed,
        policy=POLICY,
        policy_params=dict(TUNED.get(POLICY, {})),
        save_interval_s=3600,
    )


@pytest.mark.slow
def test_http_and_in_process_runs_agree(tmp_path: Path) -> None:
    scenario = Stationary(population_size=2_000)
    late = slice(STEPS // 2, None)
    http_rewards, local_rewards, uniform_rewards = [], [], []
    for seed in SEEDS:
        with live_service(_settings(tmp_path, seed)) as service:
            created = sync_offers(service.url, service.marketer_key, DEFAULT_OFFERS)
            assert set(created) == {o.id for o in DEFAULT_OFFERS} - {NO_ACTION_ID}
            over_http = run_http(
                scenario, service.url, service.crm_key, STEPS, seed=seed, name="http"
            )
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


@pytest.mark.slow
def test_http_runs_report_retention_to_the_service(tmp_path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'nba.db'}",
        data_dir=tmp_path,
        seed=0,
        reward_mode="retention_value",
        reward_scale=RETENTION_SCALE,
        save_interval_s=3600,
    )
    with live_service(settings) as service:
        sync_offers(service.url, service.marketer_key, DEFAULT_OFFERS)
        scenario = Delayed(population_size=2_000, steps_per_day=10.0, retention_delay_days=(30, 40))
        result = run_http(
            scenario, service.url, service.crm_key, 700, seed=1, reward_mode="retention_value"
        )
        with service.runtime.database.session(readonly=True) as session:
            kept = [bool(r) for (r,) in session.execute(sa.text("SELECT retained FROM retention"))]
    assert 250 < len(kept) < 380  # answers 300-400 steps after their decision; 10% never
    assert np.mean(kept) == pytest.approx(result.retained[: len(kept)].mean(), abs=0.05)
