"""The customer population: deterministic, correlated like retention teams describe."""

from __future__ import annotations

import numpy as np

from simulator.churn_model import ChurnModel
from simulator.population import CONTRACTS, OBSERVED, PAYMENT_METHODS, Population, generate


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.astype(float), b.astype(float))[0, 1])


def test_same_seed_gives_the_same_population() -> None:
    first = generate(2_000, np.random.default_rng(5)).to_frame(hidden=True)
    second = generate(2_000, np.random.default_rng(5)).to_frame(hidden=True)
    assert first.equals(second)


def test_frame_shows_only_observed_columns_unless_asked(population: Population) -> None:
    assert list(population.to_frame().columns) == list(OBSERVED)
    assert "churn_probability" in population.to_frame(hidden=True).columns


def test_service_failures_travel_together(population: Population) -> None:
    p = population
    assert _corr(p.outages_30d, p.support_calls_30d) > 0.3
    assert _corr(p.outages_30d, p.technician_visits_60d) > 0.3
    assert _corr(p.support_calls_30d, p.satisfaction) < -0.2


def test_long_tenure_pays_by_auto_debit_and_joins_loyalty(population: Population) -> None:
    p = population
    auto = p.payment_method == PAYMENT_METHODS.index("auto_debit")
    assert p.tenure_months[auto].mean() > 1.5 * p.tenure_months[~auto].mean()
    assert _corr(p.tenure_months, p.loyalty_member) > 0.3
    two_year = p.contract == CONTRACTS.index("two_year")
    assert p.tenure_months[two_year].mean() > p.tenure_months[~two_year].mean()


def test_true_churn_follows_the_signals(population: Population) -> None:
    p = population
    churn = p.churn_probability
    assert 0.1 < churn.mean() < 0.3
    assert _corr(churn, p.tenure_months) < -0.2
    assert _corr(churn, p.satisfaction) < -0.3
    assert _corr(churn, p.late_payments_6m) > 0.15
    assert churn[p.data_usage_pct > 0.8].mean() < churn[p.data_usage_pct < 0.5].mean()


def test_seasonal_suspension_is_a_decoy(population: Population) -> None:
    churn = population.churn_probability
    suspended = population.suspended_recently == 1
    assert abs(churn[suspended].mean() - churn[~suspended].mean()) < 0.02


def test_churn_score_is_noisy_and_miscalibrated(population: Population) -> None:
    truth = population.churn_probability
    score = ChurnModel().score(truth, np.random.default_rng(1))
    assert 0.5 < _corr(score, truth) < 0.95
    assert score.mean() > truth.mean() + 0.05
    exact = ChurnModel(noise=0.0, slope=1.0, bias=0.0).score(truth, np.random.default_rng(1))
    assert np.allclose(exact, np.clip(truth, 0.001, 0.999), atol=6e-4)
