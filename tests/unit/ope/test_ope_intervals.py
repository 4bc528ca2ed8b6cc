"""Intervals: seeded, vectorised, resampling the normaliser, and covering the truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nba.ope import evaluate
from nba.ope.intervals import mammen_weights, poisson_weights
from nba.ope.synthetic import make_environment


def _run(a, **options):
    return evaluate(a.reward, a.action, a.pscore, a.action_dist, a.estimated_rewards, **options)


def test_bootstrap_is_deterministic_under_a_seed(arrays):
    first = _run(arrays, n_bootstrap=50, random_state=7)
    again = _run(arrays, n_bootstrap=50, random_state=7)
    other = _run(arrays, n_bootstrap=50, random_state=8)
    assert first == again
    assert [e.ci_low for e in first] != [e.ci_low for e in other]


def test_zero_resamples_gives_point_estimates_with_nan_intervals(arrays):
    estimates = _run(arrays, n_bootstrap=0)
    assert all(e.interval == "none" for e in estimates)
    assert all(math.isnan(e.ci_low) and math.isnan(e.ci_high) for e in estimates)
    assert all(math.isfinite(e.value) for e in estimates)
    assert estimates[0].as_dict()["ci_low"] is None


def test_intervals_contain_the_point_estimate(arrays):
    for options in ({"n_bootstrap": 200, "random_state": 1}, {"interval": "normal"}):
        for e in _run(arrays, **options):
            assert e.ci_low <= e.value <= e.ci_high, (options, e)
            assert e.lift_ci_low <= e.lift <= e.lift_ci_high, (options, e)


def test_snips_bootstrap_resamples_its_normaliser(arrays):
    ones = np.ones_like(arrays.reward)
    (estimate,) = evaluate(
        ones,
        arrays.action,
        arrays.pscore,
        arrays.action_dist,
        estimators=["snips"],
        random_state=3,
    )
    assert estimate.value == pytest.approx(1.0)
    assert estimate.ci_low == pytest.approx(1.0) and estimate.ci_high == pytest.approx(1.0)


def test_bootstrap_and_normal_intervals_roughly_agree(arrays):
    boot = _run(arrays, n_bootstrap=400, random_state=2)
    normal = _run(arrays, interval="normal")
    for b, n in zip(boot, normal, strict=True):
        assert b.se == pytest.approx(n.se, rel=0.25), b.name


@pytest.mark.parametrize("draw", [poisson_weights, mammen_weights])
def test_bootstrap_weights_have_the_first_three_moments_of_poisson_one(rng, draw):
    weights = draw(20, 50_000, rng).astype(np.float64)
    assert weights.shape == (20, 50_000) and (weights >= 0).all()
    assert weights.mean() == pytest.approx(1.0, abs=0.005)
    assert weights.var() == pytest.approx(1.0, abs=0.01)
    assert ((weights - 1) ** 3).mean() == pytest.approx(1.0, abs=0.03)


def test_both_weight_schemes_give_nearly_the_same_intervals(arrays):
    mammen = _run(arrays, n_bootstrap=2000, random_state=4)
    poisson = _run(arrays, n_bootstrap=2000, random_state=4, scheme="poisson")
    for m, p in zip(mammen, poisson, strict=True):
        assert m.ci_low == pytest.approx(p.ci_low, abs=0.2 * m.se), m.name
        assert m.ci_high == pytest.approx(p.ci_high, abs=0.2 * m.se), m.name


@pytest.mark.parametrize("logging", ["uniform", "epsilon_greedy"])
def test_dr_and_snips_intervals_cover_the_truth_in_90_percent_of_seeds(logging):
    env = make_environment(np.random.default_rng(11), logging=logging)
    truth = env.true_value(np.random.default_rng(12))
    covered = {"dr": 0, "snips": 0}
    seeds = np.random.default_rng(13).spawn(50)
    for rng in seeds:
        log = env.sample(3000, rng)
        estimates = evaluate(
            log.reward,
            log.action,
            log.pscore,
            log.action_dist,
            estimators=("dr", "snips"),
            n_bootstrap=200,
            random_state=rng,
            features=log.features,
        )
        for e in estimates:
            covered[e.name] += e.ci_low <= truth <= e.ci_high
    assert covered["dr"] >= 45 and covered["snips"] >= 45, covered
