"""Lift over a baseline policy: the paired difference of two candidates on one log."""

from __future__ import annotations

import numpy as np
import pytest

from nba.errors import InvalidInput
from nba.ope import evaluate
from nba.ope.synthetic import make_environment

NAMES = ("ips", "snips", "dr", "sndr", "switch_dr")


def _run(a, action_dist, **options):
    return evaluate(
        a.reward, a.action, a.pscore, action_dist, a.estimated_rewards, NAMES, **options
    )


def test_lift_over_a_baseline_is_the_difference_of_the_two_estimates(arrays):
    baseline = np.roll(arrays.action_dist, 1, axis=1)
    paired = _run(arrays, arrays.action_dist, baseline_dist=baseline, n_bootstrap=0, lambda_=5)
    alone = _run(arrays, baseline, n_bootstrap=0, lambda_=5)
    for p, b in zip(paired, alone, strict=True):
        assert p.lift == pytest.approx(p.value - b.value, abs=1e-12), p.name


@pytest.mark.parametrize("interval", ["bootstrap", "normal"])
def test_a_baseline_equal_to_the_candidate_has_zero_lift_and_a_zero_interval(arrays, interval):
    for e in _run(arrays, arrays.action_dist, baseline_dist=arrays.action_dist, interval=interval):
        assert e.lift == 0 and e.lift_ci_low == pytest.approx(0, abs=1e-9), e.name
        assert e.lift_ci_high == pytest.approx(0, abs=1e-9), e.name


def test_the_paired_interval_is_narrower_than_the_two_intervals_apart(arrays):
    close = 0.9 * arrays.action_dist + 0.1 * arrays.logging_dist
    (paired,) = evaluate(
        arrays.reward, arrays.action, arrays.pscore, arrays.action_dist,
        estimators=["snips"], baseline_dist=close, random_state=5,
    )  # fmt: skip
    (base,) = evaluate(
        arrays.reward, arrays.action, arrays.pscore, close, estimators=["snips"], random_state=5
    )
    width = paired.lift_ci_high - paired.lift_ci_low
    assert width < 0.5 * ((paired.ci_high - paired.ci_low) + (base.ci_high - base.ci_low))


def test_the_difference_interval_covers_the_true_difference_in_90_percent_of_seeds():
    env = make_environment(np.random.default_rng(21), logging="epsilon_greedy")
    x = np.random.default_rng(22).standard_normal((400_000, env.theta.shape[0]))
    mu = env.expected_reward(x)
    truth = float(((env.candidate_dist(x) - env.logging_dist(x)) * mu).sum(axis=1).mean())
    covered = 0
    for rng in np.random.default_rng(23).spawn(50):
        log = env.sample(3000, rng)
        (e,) = evaluate(
            log.reward, log.action, log.pscore, log.action_dist, estimators=["snips"],
            n_bootstrap=200, random_state=rng, scheme="poisson",
            baseline_dist=env.logging_dist(log.features),
        )  # fmt: skip
        covered += e.lift_ci_low <= truth <= e.lift_ci_high
    assert covered >= 45, covered


def test_a_baseline_that_is_not_a_distribution_is_rejected_naming_it(arrays):
    bad = arrays.action_dist.copy()
    bad[3] *= 2
    with pytest.raises(InvalidInput) as raised:
        _run(arrays, arrays.action_dist, baseline_dist=bad)
    assert raised.value.field == "baseline_dist" and raised.value.details["rows"] == [3]
